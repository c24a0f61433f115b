"""The dashboard page in headless Chromium: it signs in with a form (no key in any URL), and a charge
created through the API appears without a reload.

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
            context = await browser.new_context(viewport={"width": 1200, "height": 800})
            page = await context.new_page()
            urls: list[str] = []
            page.on("request", lambda r: urls.append(r.url))
            # Given the dashboard signed in (the key typed into the sign-in form) and live
            await page.goto(f"{base_url}/dashboard")
            await page.fill("#key", merchant.secret_key)
            await page.click("#signin button[type=submit]")
            await expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=10_000)
            loads: list[str] = []
            page.on("load", lambda _: loads.append("load"))
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
            assert loads == []
            # The key never travelled in a URL; the session cookie cannot be read by scripts nor sent cross-site.
            assert urls and not [u for u in urls if merchant.secret_key in u]
            (cookie,) = await context.cookies()
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and merchant.secret_key not in cookie["value"]
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
        finally:
            await browser.close()


async def test_the_dashboard_session_refuses_forged_posts_bad_keys_and_keys_in_urls(system) -> None:
    merchant = await system.merchant()
    base = f"http://127.0.0.1:{system.system.gateway_port}"
    forged = await system.http.post("/dashboard/session", data={"key": merchant.secret_key},
                                    headers={"Origin": "http://evil.example"})
    assert forged.status_code == 403 and "set-cookie" not in forged.headers
    bad = await system.http.post("/dashboard/session", data={"key": "sk_test_wrong"}, headers={"Origin": base})
    assert bad.status_code == 401 and "set-cookie" not in bad.headers
    in_url = await system.http.get(f"/dashboard/payments?timeframe=today&key={merchant.secret_key}")
    assert in_url.status_code in (400, 401)

    signed_in = await system.http.post("/dashboard/session", data={"key": merchant.secret_key},
                                       headers={"Origin": base})
    assert signed_in.status_code == 303
    cookie = signed_in.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and merchant.secret_key.lower() not in cookie
    payments = await system.http.get("/dashboard/payments?timeframe=today")
    assert payments.status_code == 200 and payments.json()["object"] == "dashboard"
    # The session only opens the dashboard, not the API.
    assert (await system.http.get("/v1/charges")).status_code == 401
