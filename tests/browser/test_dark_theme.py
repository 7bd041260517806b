"""The dark theme's figure filter (book/_static/book.css), measured in Chromium on the book's palette.

A strip of swatches, one per colour of optim_core.plots on a white background (as matplotlib draws them), is
put among a chapter's figures in the dark theme and photographed: each colour keeps its hue, the colours
stay apart, every line keeps a contrast of at least 3:1 against the figure's background, and that
background is the page's."""

import base64
import colorsys
import io
import itertools

import numpy as np
from PIL import Image
from test_site import visit  # noqa: F401  (visit is a fixture)

from optim_core.plots import COLORS, color_of

PALETTE = list(dict.fromkeys([*COLORS.values(), *(color_of("other", i) for i in range(6))]))
SWATCH = 24  # px, each colour's square; the strip starts and ends with white

MAX_HUE_SHIFT = 10  # degrees, for the colours that have a hue (HSV saturation above 0.25)
MIN_CONTRAST = 3.0  # WCAG 1.4.11, graphical objects
# The closest two colours (CIE76 ΔE) stay at least this share of the distance of the closest two on white.
MIN_DISTANCE_RATIO = 0.8
MAX_BACKGROUND_GAP = 6  # per channel, 0-255: the figure's background against the page's


def rgb(hex_color):
    return np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]) / 255


def luminance(c):
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def contrast(a, b):
    hi, lo = sorted([luminance(a), luminance(b)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def lab(c):
    """CIE L*a*b* (D65) of an sRGB colour in 0-1."""
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    t = xyz / [0.95047, 1.0, 1.08883]
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def hue_shift(before, after):
    h0, s0, _ = colorsys.rgb_to_hsv(*before)
    h1, _, _ = colorsys.rgb_to_hsv(*after)
    return None if s0 < 0.25 else (360 * (h1 - h0) + 180) % 360 - 180


def strip_png():
    image = Image.new("RGB", (SWATCH * (len(PALETTE) + 2), SWATCH), "white")
    for i, color in enumerate(PALETTE):
        image.paste(tuple(int(255 * v) for v in rgb(color)), (SWATCH * (i + 1), 0, SWATCH * (i + 2), SWATCH))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def photograph_strip(page):
    """The strip as shown among the page's figures: (background colour, one colour per swatch), sRGB 0-1."""
    page.evaluate(
        """png => {
            const img = document.createElement('img');
            img.id = 'palette-strip'; img.alt = 'palette'; img.src = 'data:image/png;base64,' + png;
            img.style.width = img.style.height = 'auto';
            document.querySelector('.cell_output').prepend(img);
            return img.decode();
        }""",
        strip_png(),
    )
    shot = np.asarray(Image.open(io.BytesIO(page.locator("#palette-strip").screenshot())).convert("RGB")) / 255
    width = shot.shape[1] / (len(PALETTE) + 2)  # of a swatch, in the screenshot's pixels
    centre = lambda i: shot[shot.shape[0] // 2, int((i + 0.5) * width)]  # noqa: E731
    return centre(0), [centre(i + 1) for i in range(len(PALETTE))]


def page_background(page):
    body = page.evaluate("getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number)")
    return np.array(body[:3]) / 255


def test_the_dark_figure_filter_keeps_hues_apart_and_in_contrast_on_the_page_colour(visit):  # noqa: F811
    v = visit("book/08_comparison.html", color_scheme="dark")
    background, shown = photograph_strip(v.page)
    assert np.abs(background - page_background(v.page)).max() * 255 <= MAX_BACKGROUND_GAP, background * 255
    report = []
    for color, after in zip(PALETTE, shown, strict=True):
        shift, ratio = hue_shift(rgb(color), after), contrast(after, background)
        shown_hex = "#" + "".join(f"{round(255 * c):02x}" for c in after)
        report.append(f"{color} -> {shown_hex}: hue shift {shift}, contrast {ratio:.2f}")
        assert shift is None or abs(shift) <= MAX_HUE_SHIFT, report[-1]
        assert ratio >= MIN_CONTRAST, report[-1]
    closest = min(np.linalg.norm(lab(a) - lab(b)) for a, b in itertools.combinations(shown, 2))
    closest_on_white = min(np.linalg.norm(lab(rgb(a)) - lab(rgb(b))) for a, b in itertools.combinations(PALETTE, 2))
    report.append(f"closest two colours: ΔE {closest:.1f} (on white {closest_on_white:.1f})")
    assert closest >= MIN_DISTANCE_RATIO * closest_on_white, "\n".join(report)
    print("\n".join(report))


def test_the_light_theme_shows_figures_as_drawn(visit):  # noqa: F811
    v = visit("book/08_comparison.html", color_scheme="light")
    background, shown = photograph_strip(v.page)
    np.testing.assert_allclose(background, 1.0, atol=1 / 255)
    np.testing.assert_allclose(shown, [rgb(c) for c in PALETTE], atol=2 / 255)
