"""Screenshots of the running app for the README: desktop, phone width, and with every panel open.

    python -m scripts.screenshots
Starts `python app.py`, draws a 7 with the mouse in Debian's Chromium, and writes docs/*.png.
The page's emoji need a colour emoji font (Debian: apt-get install -y fonts-noto-color-emoji).
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.app_server import running_app
from tests.test_browser import ARGS, CHROMIUM, draw_seven, wait_for_new_image

DOCS = Path(__file__).resolve().parent.parent / "docs"


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    with running_app() as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for name, viewport, open_panels in [("screenshot", (1280, 900), False), ("screenshot-phone", (390, 844), False),
                                            ("screenshot-inside", (1280, 900), True)]:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            page.goto(url, wait_until="load")  # not networkidle: the session heartbeat stays open
            page.wait_for_timeout(1500)
            draw_seven(page)
            wait_for_new_image(page, "default", None)
            if open_panels:
                page.locator("#show-filters input").check()
                page.locator("#show-features input").check()
                page.wait_for_selector("#filters img", timeout=20_000)
                page.wait_for_timeout(2000)
            page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)
            print(f"wrote {DOCS / name}.png")
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
