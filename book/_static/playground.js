/* Playgrounds of the static book: controls that move through trajectories computed by optim_core at
 * build time (see optim_core/playground.py, which writes the JSON this reads). Each panel of the figure
 * (the path over the loss contours, the loss against the step) is a background image rendered by
 * matplotlib with a canvas laid over it, so a narrow page can stack the panels at its full width. */
(function () {
  "use strict";

  // The arrays travel as base64 of gzip-compressed little-endian float32 (optim_core/playground.py).
  // The browser decodes the base64 of a data: URL natively and in the background; decoding it in
  // JavaScript held a phone's main thread for about 0.1 s per playground (chapter 14, CPU slowed 4x).
  async function decodeFloat32(b64) {
    const response = await fetch("data:application/octet-stream;base64," + b64);
    const inflated = response.body.pipeThrough(new DecompressionStream("gzip"));
    return new Float32Array(await new Response(inflated).arrayBuffer());
  }

  // Python's format(x, ".2e"): two-digit exponent with its sign, as optim_core.playground.summary writes.
  function formatExp(x) {
    const [mantissa, exponent] = x.toExponential(2).split("e");
    const e = parseInt(exponent, 10);
    return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }

  // Data coordinates to pixels of the panel's image, for one axis of a box (linear or log).
  function axis(log, lim, origin, size, flip) {
    const f = log ? Math.log10 : (v) => v;
    const lo = f(lim[0]);
    const k = size / (f(lim[1]) - lo);
    return flip ? (v) => origin + size - (f(v) - lo) * k : (v) => origin + (f(v) - lo) * k;
  }

  // The points (x(t), y(t)) for t < n as a line clipped to the axes box, with a dot at each point if
  // markerRadius > 0; a point that is not finite (a diverged run) lifts the pen.
  function strokeSeries(ctx, box, n, x, y, style) {
    const px = axis(box.xlog, box.xlim, box.x, box.w, false);
    const py = axis(box.ylog, box.ylim, box.y, box.h, true);
    ctx.save();
    ctx.beginPath();
    ctx.rect(box.x, box.y, box.w, box.h);
    ctx.clip();
    ctx.strokeStyle = ctx.fillStyle = style.color;
    ctx.lineWidth = style.width;
    ctx.lineJoin = "round";
    ctx.setLineDash(style.dash || []);
    const pixels = [];
    ctx.beginPath();
    let pen = false;
    for (let t = 0; t < n; t++) {
      const X = x(t), Y = y(t);
      if (!Number.isFinite(X) || !Number.isFinite(Y)) { pen = false; continue; }
      const u = px(X), v = py(Y);
      if (pen) ctx.lineTo(u, v); else ctx.moveTo(u, v);
      pen = true;
      pixels.push(u, v);
    }
    ctx.stroke();
    const r = style.marker || 0;
    if (r > 0) { // every dot in one path, filled once
      ctx.beginPath();
      for (let i = 0; i < pixels.length; i += 2) {
        ctx.moveTo(pixels[i] + r, pixels[i + 1]);
        ctx.arc(pixels[i], pixels[i + 1], r, 0, 2 * Math.PI);
      }
      ctx.fill();
    }
    ctx.restore();
  }

  function element(tag, props = {}, children = []) {
    const el = Object.assign(document.createElement(tag), props);
    el.append(...children);
    return el;
  }

  let counter = 0; // ids unique on the page, for label/for pairs and radio groups

  // A numeric slider: its label above a range input over the grid's indices, and the value shown beside it.
  // The input's accessible name is the label; aria-valuetext is the value as shown, not the index.
  function rangeControl(s, id, onMove) {
    const input = element("input", { type: "range", id, min: 0, max: s.values.length - 1, step: 1, value: s.default });
    input.dataset.name = s.name;
    const value = element("span", { className: "pg-value", textContent: s.texts[s.default] });
    value.setAttribute("aria-hidden", "true"); // the input itself announces it (aria-valuetext)
    const show = (i) => {
      input.setAttribute("aria-valuetext", s.texts[i]);
      value.textContent = s.texts[i];
    };
    show(s.default);
    input.addEventListener("input", (event) => {
      show(Number(input.value));
      onMove(Number(input.value), event);
    });
    const label = element("label", { className: "pg-name", htmlFor: id, textContent: s.label });
    return element("div", { className: "pg-control" }, [label, element("div", { className: "pg-range" }, [input, value])]);
  }

  // A categorical slider (one with names): a group of radio buttons, named by a legend.
  function choiceControl(s, id, onMove) {
    const buttons = s.texts.map((text, i) => {
      const input = element("input", { type: "radio", name: id, value: i, checked: i === s.default });
      return element("label", { className: "pg-choice" }, [input, element("span", { textContent: text })]);
    });
    const group = element("fieldset", { className: "pg-control pg-choices" }, [
      element("legend", { className: "pg-name", textContent: s.label }),
      element("div", { className: "pg-buttons" }, buttons),
    ]);
    group.dataset.name = s.name;
    group.addEventListener("input", (event) => onMove(Number(event.target.value), event));
    return group;
  }

  // The data is in the page, or (after `make book`'s scripts/postprocess_html.mjs) in a script file of
  // its own that calls optimPlaygroundData(name, data) when loaded. A script rather than fetch(): a page
  // opened from disk (file://) may load scripts but not fetch files.
  const arriving = {};
  window.optimPlaygroundData = (name, data) => {
    (arriving[name] || []).forEach((resolve) => resolve(data));
    delete arriving[name];
  };

  function loadData(script) {
    const url = script.dataset.url;
    if (!url) return Promise.resolve(JSON.parse(script.textContent));
    const name = url.split("/").pop().replace(/\.js$/, "");
    return new Promise((resolve, reject) => {
      (arriving[name] ||= []).push(resolve);
      const tag = document.createElement("script");
      tag.src = url;
      tag.onerror = () => reject(new Error(`playground data not found: ${url}`));
      document.head.append(tag);
    });
  }

  async function setup(root) {
    const data = await loadData(root.querySelector("script.pg-data"));
    const paths = data.paths ? await decodeFloat32(data.paths) : null;
    const gaps = await decodeFloat32(data.gaps);
    const gridSliders = data.grid.map((name) => data.sliders.find((s) => s.name === name));
    const problemSliders = data.problemAxes.map((axis) => gridSliders[axis]);
    const gridSize = gridSliders.reduce((n, s) => n * s.values.length, 1);
    const stepsSlider = data.sliders.find((s) => s.name === "steps");
    const index = Object.fromEntries(data.sliders.map((s) => [s.name, s.default]));
    const pt = data.dpi / 72; // matplotlib sizes are in points
    const urls = data.images.map((b64) => "data:image/png;base64," + b64);
    // Decoded ahead, so that a new background shows in the same frame as the lines drawn over it.
    const decoded = urls.map((src) => Object.assign(new Image(), { src }));
    decoded.forEach((img) => img.decode().catch(() => {}));
    // The canvases have the device's pixels (up to 2 per CSS px), so the lines stay sharp on phones.
    const ratio = Math.min(2, Math.ceil(window.devicePixelRatio || 1));

    const id = `pg${++counter}`;
    const controls = element("div", { className: "pg-controls" });
    for (const s of data.sliders) {
      const onMove = (i, event) => {
        index[s.name] = i;
        draw(event.timeStamp);
      };
      const make = s.categorical ? choiceControl : rangeControl;
      controls.append(make(s, `${id}-${s.name}`, onMove));
    }

    // One panel per image, in the order the payload gives (the path panel above or left of the loss panel).
    const panels = data.figures[0].map((p) => {
      const img = element("img", { width: p.width, height: p.height, decoding: "sync" });
      const canvas = element("canvas", { width: p.width * ratio, height: p.height * ratio });
      canvas.setAttribute("aria-hidden", "true"); // the image's alt and the readout describe what it draws
      const box = element("div", { className: `pg-panel pg-panel-${p.name}` }, [img, canvas]);
      return { name: p.name, img, box, ctx: canvas.getContext("2d"), image: null };
    });
    const figure = element("div", { className: "pg-figure" }, panels.map((p) => p.box));
    const readout = element("div", { className: "pg-readout" });
    root.append(controls, figure, readout);

    function flatIndex(sliders) {
      return sliders.reduce((flat, s) => flat * s.values.length + index[s.name], 0);
    }

    // Called from the input event itself: the new picture is on the canvas before the next frame paints.
    function draw(inputAt = null) {
      const flat = flatIndex(gridSliders);
      const setting = data.figures[flatIndex(problemSliders)];
      const boxes = {};
      const ctx = {};
      setting.forEach((p, j) => {
        const view = panels[j];
        if (view.image !== p.image) {
          view.image = p.image;
          view.img.src = urls[p.image];
        }
        if (view.img.alt !== p.alt) view.img.alt = p.alt;
        view.ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
        view.ctx.clearRect(0, 0, p.width, p.height);
        boxes[p.name] = p.box;
        ctx[p.name] = view.ctx;
      });
      const shown = stepsSlider ? stepsSlider.values[index.steps] : data.steps;
      const n = data.steps + 1;
      const drawn = {};
      const lines = [];
      data.labels.forEach((label, k) => {
        const run = k * gridSize + flat;
        const gap = gaps.subarray(run * n, run * n + shown + 1);
        strokeSeries(ctx.loss, boxes.loss, shown + 1, (t) => t, (t) => gap[t], { color: data.colors[k], width: 1.8 * pt });
        drawn[label] = { gaps: Array.from(gap) };
        if (paths && boxes.path) {
          const path = paths.subarray(run * n * data.dim, (run * n + shown + 1) * data.dim);
          const x = (t) => path[t * data.dim];
          const y = (t) => path[t * data.dim + 1];
          strokeSeries(ctx.path, boxes.path, shown + 1, x, y, { color: data.colors[k], width: 1.4 * pt, marker: 1.25 * pt });
          drawn[label].path = Array.from(path); // (steps shown + 1) x dim, flat
        }
        const bad = gap.findIndex((g) => Number.isNaN(g));
        lines.push(bad >= 0 ? `${label}: diverged at step ${bad}` : `${label}: f - f* = ${formatExp(gap[shown])} after ${shown} steps`);
      });
      // A level theory predicts for this setting (optim_core Playground's `level`): a dashed horizontal line.
      const level = data.levels ? data.levels[flat] : null;
      if (level !== null) {
        const style = { color: data.levelColor, width: 1.2 * pt, dash: [4 * pt, 3 * pt] };
        strokeSeries(ctx.loss, boxes.loss, 2, (t) => t * data.steps, () => level, style);
      }
      if (data.readouts) lines.push(data.readouts[flat]);
      readout.replaceChildren(...lines.map((line) => element("div", { textContent: line })));
      const values = Object.fromEntries(data.sliders.map((s) => [s.name, s.values[index[s.name]]]));
      const frame = (root.pgState?.frame ?? 0) + 1;
      // readyAt: when the playground first became interactive, in ms since navigation (benchmarks read it);
      // inputAt and drawnAt: the input event's time stamp and the end of this draw (benchmarks/static_redraw.py).
      const readyAt = root.pgState?.readyAt ?? performance.now();
      const drawnAt = performance.now();
      root.pgState = { key: data.key, values, shown, drawn, boxes, level, readout: lines, frame, readyAt, inputAt, drawnAt };
      root.dataset.frame = frame;
    }

    draw();
  }

  function start(root) {
    if (!root.dataset.started) {
      root.dataset.started = "1";
      setup(root);
    }
  }

  // A playground is set up when it comes within two screens of the view, not at load: its data (up to
  // 0.4 MB) and its setup then do not compete with the first screen on a phone. It is also set up when
  // section-layout.js lays out its block while the browser is idle, and at a keyboard user's first Tab
  // (the "layoutall" event), so that a screen reader or the Tab key finds its controls without scrolling.
  function init() {
    const roots = [...document.querySelectorAll(".optim-playground")];
    const near = new IntersectionObserver(
      (entries) => entries.filter((e) => e.isIntersecting).forEach((e) => {
        near.unobserve(e.target);
        start(e.target);
      }),
      { rootMargin: "200% 0px" },
    );
    roots.forEach((root) => near.observe(root));
    document.addEventListener("sectionlaidout", (event) => event.target.querySelectorAll(".optim-playground").forEach(start));
    document.addEventListener("layoutall", () => roots.forEach(start));
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
