/* Replaces pydata-sphinx-theme's 1.5 MB Font Awesome script, which only turns icons into inline SVG.
 * The theme's stylesheet already draws the same icons with the Font Awesome web fonts it ships, so
 * every chapter page loads 1.5 MB less and looks the same (checked by the browser tests' screenshots). */
