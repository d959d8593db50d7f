"""The demo's synthetic visual IP: "Pip", a round mascot drawn with Pillow in a few colours, moods and
accessories (deterministic: the same images on every run)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BODIES = [(255, 140, 90), (120, 190, 255), (150, 220, 140), (245, 200, 80), (200, 150, 240), (255, 120, 160)]
BACKGROUNDS = [(255, 246, 230), (232, 244, 255), (238, 250, 235), (255, 250, 225), (245, 238, 255)]
MOODS = ["happy", "surprised", "wink", "sleepy"]
ACCESSORIES = ["none", "party hat", "scarf", "bow"]


def _darker(color: tuple[int, int, int], factor: float = 0.7) -> tuple[int, int, int]:
    r, g, b = color
    return int(r * factor), int(g * factor), int(b * factor)


def draw_pip(index: int, size: int = 512) -> Image.Image:
    """One picture of Pip; ``index`` picks the colour, mood, accessory and pose."""
    body = BODIES[index % len(BODIES)]
    mood = MOODS[index % len(MOODS)]
    accessory = ACCESSORIES[(index // 2) % len(ACCESSORIES)]
    background = BACKGROUNDS[index % len(BACKGROUNDS)]
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    s = size / 512
    cx = size / 2 + (index % 3 - 1) * 40 * s
    cy = size / 2 + 20 * s
    r = 150 * s
    outline = _darker(body, 0.55)
    # shadow, feet, body
    draw.ellipse((cx - r * 0.9, cy + r * 0.85, cx + r * 0.9, cy + r * 1.05), fill=_darker(background, 0.85))
    for side in (-1, 1):
        fx = cx + side * r * 0.45
        draw.ellipse((fx - 35 * s, cy + r * 0.75, fx + 35 * s, cy + r * 0.98), fill=outline)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=body, outline=outline, width=int(8 * s))
    # belly
    draw.ellipse((cx - r * 0.55, cy - r * 0.05, cx + r * 0.55, cy + r * 0.8), fill=_lighter(body))
    # antenna
    draw.line((cx, cy - r, cx + 20 * s, cy - r - 60 * s), fill=outline, width=int(7 * s))
    draw.ellipse((cx + 8 * s, cy - r - 78 * s, cx + 36 * s, cy - r - 50 * s), fill=(255, 90, 90))
    _eyes(draw, cx, cy - r * 0.25, s, mood)
    _mouth(draw, cx, cy + r * 0.2, s, mood)
    # cheeks
    for side in (-1, 1):
        x = cx + side * r * 0.62
        draw.ellipse((x - 18 * s, cy + r * 0.02, x + 18 * s, cy + r * 0.18), fill=(255, 150, 150))
    _accessory(draw, cx, cy, r, s, accessory, index)
    return image


def _lighter(color: tuple[int, int, int]) -> tuple[int, int, int]:
    r, g, b = (min(255, int(c + (255 - c) * 0.45)) for c in color)
    return r, g, b


def _eyes(draw: ImageDraw.ImageDraw, cx: float, cy: float, s: float, mood: str) -> None:
    for side in (-1, 1):
        x = cx + side * 52 * s
        if mood == "sleepy" or (mood == "wink" and side == 1):
            draw.arc(
                (x - 26 * s, cy - 14 * s, x + 26 * s, cy + 22 * s),
                200,
                340,
                fill=(40, 30, 30),
                width=int(7 * s),
            )
            continue
        h = 40 if mood == "surprised" else 32
        draw.ellipse(
            (x - 26 * s, cy - h * s, x + 26 * s, cy + h * s),
            fill="white",
            outline=(40, 30, 30),
            width=int(4 * s),
        )
        draw.ellipse((x - 12 * s, cy - 12 * s, x + 12 * s, cy + 16 * s), fill=(30, 25, 25))
        draw.ellipse((x - 6 * s, cy - 8 * s, x + 2 * s, cy), fill="white")


def _mouth(draw: ImageDraw.ImageDraw, cx: float, cy: float, s: float, mood: str) -> None:
    if mood == "surprised":
        draw.ellipse((cx - 16 * s, cy - 6 * s, cx + 16 * s, cy + 30 * s), fill=(120, 30, 40))
    elif mood == "sleepy":
        draw.line((cx - 20 * s, cy + 10 * s, cx + 20 * s, cy + 10 * s), fill=(60, 30, 30), width=int(6 * s))
    else:
        draw.chord((cx - 42 * s, cy - 30 * s, cx + 42 * s, cy + 34 * s), 10, 170, fill=(140, 40, 50))


def _accessory(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, s: float, kind: str, index: int
) -> None:
    color = BODIES[(index + 3) % len(BODIES)]
    if kind == "party hat":
        top = cy - r - 110 * s
        draw.polygon(
            [(cx - 60 * s, cy - r * 0.82), (cx + 60 * s, cy - r * 0.82), (cx - 10 * s, top)], fill=color
        )
        draw.ellipse((cx - 28 * s, top - 18 * s, cx + 8 * s, top + 18 * s), fill=(255, 230, 90))
    elif kind == "scarf":
        draw.rounded_rectangle(
            (cx - r * 0.85, cy + r * 0.38, cx + r * 0.85, cy + r * 0.56), radius=int(20 * s), fill=color
        )
        draw.rectangle((cx + r * 0.35, cy + r * 0.45, cx + r * 0.55, cy + r * 0.95), fill=color)
    elif kind == "bow":
        bx, by = cx - r * 0.55, cy - r * 0.78
        draw.polygon([(bx, by), (bx - 45 * s, by - 30 * s), (bx - 45 * s, by + 30 * s)], fill=color)
        draw.polygon([(bx, by), (bx + 45 * s, by - 30 * s), (bx + 45 * s, by + 30 * s)], fill=color)
        draw.ellipse((bx - 12 * s, by - 12 * s, bx + 12 * s, by + 12 * s), fill=_darker(color))


def draw_family(folder: Path, count: int = 8, size: int = 512) -> list[Path]:
    """Draw ``count`` pictures of Pip into ``folder`` as PNGs; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for i in range(count):
        path = folder / f"pip-{i + 1:02d}.png"
        draw_pip(i, size).save(path, format="PNG")
        paths.append(path)
    return paths
