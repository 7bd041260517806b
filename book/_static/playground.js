/* Playgrounds of the static book: sliders that move through trajectories computed by optim_core at
 * build time (see optim_core/playground.py, which writes the JSON this reads), drawn on a canvas laid
 * over a background image of the same figure rendered by matplotlib. */
(function () {
  "use strict";

  // The arrays travel as base64 of gzip-compressed little-endian float32 (optim_core/playground.py).
  async function decodeFloat32(b64) {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const inflated = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Float32Array(await new Response(inflated).arrayBuffer());
  }

  // Python's format(x, ".2e"): two-digit exponent with its sign, as optim_core.playground.summary writes.
  function formatExp(x) {
    const [mantissa, exponent] = x.toExponential(2).split("e");
    const e = parseInt(exponent, 10);
    return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }

  function scale(box, v, log, lim, origin, size, flip) {
    const t = log
      ? (Math.log10(v) - Math.log10(lim[0])) / (Math.log10(lim[1]) - Math.log10(lim[0]))
      : (v - lim[0]) / (lim[1] - lim[0]);
    return flip ? origin + size - t * size : origin + t * size;
  }

  function toPixel(box, x, y) {
    return [scale(box, x, box.xlog, box.xlim, box.x, box.w, false), scale(box, y, box.ylog, box.ylim, box.y, box.h, true)];
  }

  function strokePolyline(ctx, box, points, color, width, markerRadius, dash = []) {
    ctx.save();
    ctx.beginPath();
    ctx.rect(box.x, box.y, box.w, box.h);
    ctx.clip();
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = width;
    ctx.lineJoin = "round";
    ctx.setLineDash(dash);
    ctx.beginPath();
    let pen = false;
    const pixels = [];
    for (const [x, y] of points) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) { pen = false; continue; }
      const [px, py] = toPixel(box, x, y);
      pixels.push([px, py]);
      if (pen) ctx.lineTo(px, py); else ctx.moveTo(px, py);
      pen = true;
    }
    ctx.stroke();
    if (markerRadius > 0) {
      for (const [px, py] of pixels) {
        ctx.beginPath();
        ctx.arc(px, py, markerRadius, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    ctx.restore();
  }

  async function setup(root) {
    const data = JSON.parse(root.querySelector("script.pg-data").textContent);
    const paths = data.paths ? await decodeFloat32(data.paths) : null;
    const gaps = await decodeFloat32(data.gaps);
    const geo = data.geometry;
    const gridSliders = data.grid.map((name) => data.sliders.find((s) => s.name === name));
    const gridSize = gridSliders.reduce((n, s) => n * s.values.length, 1);
    const index = Object.fromEntries(data.sliders.map((s) => [s.name, s.default]));
    const pt = geo.dpi / 72; // matplotlib sizes are in points

    const controls = document.createElement("div");
    controls.className = "pg-controls";
    for (const s of data.sliders) {
      const label = document.createElement("label");
      const name = document.createElement("span");
      name.className = "pg-name";
      name.textContent = s.label;
      const input = document.createElement("input");
      Object.assign(input, { type: "range", min: 0, max: s.values.length - 1, step: 1, value: s.default });
      input.dataset.name = s.name;
      input.setAttribute("aria-label", s.label);
      const value = document.createElement("output");
      value.textContent = s.texts[s.default];
      input.addEventListener("input", () => {
        index[s.name] = Number(input.value);
        value.textContent = s.texts[index[s.name]];
        schedule();
      });
      label.append(name, input, value);
      controls.append(label);
    }

    const figure = document.createElement("div");
    figure.className = "pg-figure";
    const img = document.createElement("img");
    img.alt = "figure background: loss contours and axes";
    img.width = geo.width;
    img.height = geo.height;
    const canvas = document.createElement("canvas");
    canvas.width = geo.width;
    canvas.height = geo.height;
    figure.append(img, canvas);
    const readout = document.createElement("div");
    readout.className = "pg-readout";
    root.append(controls, figure, readout);
    const ctx = canvas.getContext("2d");

    function flatIndex(sliders) {
      return sliders.reduce((flat, s) => flat * s.values.length + index[s.name], 0);
    }

    let pending = false;
    function schedule() {
      if (!pending) { pending = true; requestAnimationFrame(draw); }
    }

    function draw() {
      pending = false;
      const flat = flatIndex(gridSliders);
      const background = flatIndex(data.problemAxes.map((axis) => gridSliders[axis]));
      const src = "data:image/png;base64," + data.backgrounds[background];
      if (img.getAttribute("src") !== src) img.setAttribute("src", src);
      const stepsSlider = data.sliders.find((s) => s.name === "steps");
      const shown = stepsSlider ? stepsSlider.values[index.steps] : data.steps;
      const n = data.steps + 1;
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      const drawn = {};
      const lines = [];
      data.labels.forEach((label, k) => {
        const run = k * gridSize + flat;
        const gap = Array.from(gaps.subarray(run * n, run * n + shown + 1));
        const lossPoints = gap.map((g, t) => [t, g]);
        strokePolyline(ctx, geo.loss, lossPoints, data.colors[k], 1.8 * pt, 0);
        drawn[label] = { gaps: gap };
        if (paths && geo.path) {
          const start = run * n * data.dim;
          const points = [];
          for (let t = 0; t <= shown; t++) points.push([paths[start + t * data.dim], paths[start + t * data.dim + 1]]);
          strokePolyline(ctx, geo.path, points, data.colors[k], 1.4 * pt, 1.25 * pt);
          drawn[label].path = points;
        }
        const bad = gap.findIndex((g) => Number.isNaN(g));
        lines.push(bad >= 0 ? `${label}: diverged at step ${bad}` : `${label}: f - f* = ${formatExp(gap[shown])} after ${shown} steps`);
      });
      // A level theory predicts for this setting (optim_core Playground's `level`): a dashed horizontal line.
      const level = data.levels ? data.levels[flat] : null;
      if (level !== null) {
        strokePolyline(ctx, geo.loss, [[0, level], [data.steps, level]], data.levelColor, 1.2 * pt, 0, [4 * pt, 3 * pt]);
      }
      if (data.readouts) lines.push(data.readouts[flat]);
      readout.replaceChildren(...lines.flatMap((line, i) => (i ? [document.createElement("br"), line] : [line])));
      const values = Object.fromEntries(data.sliders.map((s) => [s.name, s.values[index[s.name]]]));
      const frame = (root.pgState?.frame ?? 0) + 1;
      // readyAt: when the playground first became interactive, in ms since navigation (benchmarks read it).
      const readyAt = root.pgState?.readyAt ?? performance.now();
      root.pgState = { key: data.key, values, shown, drawn, level, readout: lines, frame, readyAt };
      root.dataset.frame = root.pgState.frame;
    }

    draw();
  }

  function init() {
    document.querySelectorAll(".optim-playground").forEach((root) => {
      if (!root.dataset.started) {
        root.dataset.started = "1";
        setup(root);
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
