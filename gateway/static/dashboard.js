// LedgerMesh dashboard: one EventSource on /dashboard/stream; every event replaces the view.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);

  function money(amounts) {
    if (!amounts || amounts.length === 0) return "0";
    return amounts.map((a) => (a.amount / 100).toFixed(2) + " " + a.currency.toUpperCase()).join(", ");
  }

  function setConnection(state, text) {
    const el = $("connection");
    el.dataset.state = state;
    el.textContent = text;
  }

  function render(snapshot) {
    const d = snapshot.dashboard;
    $("volume").textContent = money(d.volume);
    $("refunded").textContent = money(d.refunded);
    $("charge-count").textContent = d.charge_count;
    $("succeeded-count").textContent = d.succeeded_count;
    $("failed-count").textContent = d.failed_count;
    $("success-rate").textContent = d.charge_count ? d.success_rate.toFixed(2) + " %" : "–";
    if (snapshot.balance) {
      $("balance-available").textContent = money(snapshot.balance.available);
      $("balance-pending").textContent = money(snapshot.balance.pending);
    }
    if (snapshot.projections && snapshot.projections.length) {
      const worst = Math.max(...snapshot.projections.map((p) => p.lag_ms));
      $("projection-lag").textContent = worst + " ms";
    }
    const body = document.querySelector("#payments tbody");
    body.replaceChildren(...d.recent_charges.map((c) => {
      const row = document.createElement("tr");
      row.dataset.chargeId = c.id;
      const cells = [c.id, (c.amount / 100).toFixed(2) + " " + c.currency.toUpperCase(), c.status,
        c.payment_method_details.card.brand + " •••• " + c.payment_method_details.card.last4,
        new Date(c.created * 1000).toLocaleTimeString()];
      cells.forEach((text, i) => {
        const cell = document.createElement("td");
        cell.textContent = text;
        if (i === 2) cell.className = c.status;
        row.appendChild(cell);
      });
      return row;
    }));
  }

  // Signed in: the session cookie (HttpOnly, same origin) authenticates the stream; no key in any URL.
  const source = new EventSource("/dashboard/stream?timeframe=today");
  source.addEventListener("open", () => setConnection("live", "live"));
  source.addEventListener("dashboard", (e) => { setConnection("live", "live"); render(JSON.parse(e.data)); });
  source.addEventListener("error", () => setConnection("error", "reconnecting…"));
})();
