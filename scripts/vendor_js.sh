#!/usr/bin/env bash
# Install the JavaScript the published book needs from the npm registry (versions pinned in
# js/package-lock.json) and copy the few files it uses into the site's static folder, so that
# no page loads anything from a CDN.
set -euo pipefail
dest=${1:?usage: vendor_js.sh DEST_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
(cd "$root/js" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
nm="$root/js/node_modules"

rm -rf "$dest"
mkdir -p "$dest/mathjax" "$dest/@jupyter-widgets/html-manager/dist"
# MathJax: the startup and core components and the ones _config.yml asks the loader for, plus what
# they load on demand (TeX extensions, the CHTML fonts).
mj="$nm/mathjax/es5"
mkdir -p "$dest/mathjax/a11y"
cp "$mj/startup.js" "$mj/core.js" "$dest/mathjax/"
cp "$mj/a11y/assistive-mml.js" "$dest/mathjax/a11y/"
cp -r "$mj/input" "$mj/output" "$dest/mathjax/"
rm -rf "$dest/mathjax/output/svg" "$dest/mathjax/output/svg.js"
cp "$nm/requirejs/require.js" "$dest/"
# The widget manager, where embed-amd.js expects its fonts (relative to the page, see TOOLCHAIN.md).
cp "$nm/@jupyter-widgets/html-manager/dist/"{embed-amd.js,libembed-amd.js} "$dest/"
cp "$nm/@jupyter-widgets/html-manager/dist/"*.{woff2,woff,ttf,eot,svg} "$dest/@jupyter-widgets/html-manager/dist/"
