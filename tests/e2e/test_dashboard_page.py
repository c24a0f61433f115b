"""The dashboard page in headless Chromium: a charge created through the API appears without a reload.

Needs Chromium at /usr/bin/chromium (Debian package `chromium`); `make test` installs it. The test
installs nothing itself."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import async_playwright, expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


async def test_a_new_charge_appears_on_the_open_dashboard_without_a_reload(system) -> None:
    merchant = await system.merchant(business_name="Dashboard Shop")
    base_url = f"http://127.0.0.1:{system.system.gateway_port}"
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1200, "height": 800})
            loads: list[str] = []
            page.on("load", lambda _: loads.append("load"))
            # Given the dashboard open and live
            await page.goto(f"{base_url}/dashboard?key={merchant.secret_key}")
            await expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=10_000)
            await expect(page.locator("#charge-count")).to_have_text("0")

            # When a charge is created through the API
            created = await system.http.post("/v1/charges", headers=merchant.headers,
                                             data={"amount": "4250", "currency": "usd", "source": "tok_visa"})
            charge_id = created.json()["id"]

            # Then it shows up in the open page, with the totals, and the page never reloaded
            row = page.locator(f'tr[data-charge-id="{charge_id}"]')
            await expect(row).to_be_visible(timeout=10_000)
            await expect(row).to_contain_text("42.50 USD")
            await expect(page.locator("#charge-count")).to_have_text("1")
            await expect(page.locator("#volume")).to_have_text("42.50 USD")
            assert loads == ["load"]
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
        finally:
            await browser.close()
