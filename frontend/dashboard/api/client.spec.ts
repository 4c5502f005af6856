import { afterEach, describe, expect, it, vi } from "vitest";

import { ApiProblem, apiGet, apiPost, buildUrl, csvUrl, useFetch } from "./client";

function answer(status: number, body: unknown, type = "application/json"): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });
}

afterEach(() => {
  document.head.innerHTML = "";
});

describe("api client", () => {
  it("fills path parameters and leaves empty query values out", () => {
    expect(buildUrl("/api/v1/staff/orders/{number}/", { number: "EM 1" }, { a: "", b: 2 })).toBe(
      "/api/v1/staff/orders/EM%201/?b=2",
    );
  });

  it("reads a report with the session cookie and its query", async () => {
    const fetch = vi.fn().mockResolvedValue(answer(200, { rows: [] }));
    useFetch(fetch);

    await apiGet("/api/v1/analytics/sales/", { query: { start: "2026-03-01", granularity: "week" } });

    const [url, init] = fetch.mock.calls[0] as [string, RequestInit];
    expect(url).toBe("/api/v1/analytics/sales/?start=2026-03-01&granularity=week");
    expect(init.credentials).toBe("same-origin");
  });

  it("sends the CSRF token with a transition", async () => {
    document.head.innerHTML = '<meta name="csrf-token" content="tok123">';
    const fetch = vi.fn().mockResolvedValue(answer(200, { number: "EM-1" }));
    useFetch(fetch);

    await apiPost("/api/v1/staff/orders/{number}/ship/", {
      path: { number: "EM-1" },
      body: { tracking_number: "RM1" },
    });

    const [url, init] = fetch.mock.calls[0] as [string, RequestInit];
    expect(url).toBe("/api/v1/staff/orders/EM-1/ship/");
    expect((init.headers as Record<string, string>)["X-CSRFToken"]).toBe("tok123");
    expect(init.body).toBe('{"tracking_number":"RM1"}');
  });

  it("turns a problem into an ApiProblem that explains itself", async () => {
    useFetch(
      vi.fn().mockResolvedValue(
        answer(
          409,
          { code: "order_transition_not_allowed", detail: "Not from cancelled.", errors: {} },
          "application/problem+json",
        ),
      ),
    );

    const failure = apiPost("/api/v1/staff/orders/{number}/cancel/", {
      path: { number: "EM-1" },
      body: { reason: "" },
    });

    await expect(failure).rejects.toBeInstanceOf(ApiProblem);
    await failure.catch((problem: ApiProblem) => {
      expect(problem.status).toBe(409);
      expect(problem.code).toBe("order_transition_not_allowed");
      expect(problem.describe()).toBe("Not from cancelled.");
    });
  });

  it("builds the CSV link of a report", () => {
    expect(csvUrl("/api/v1/analytics/countries/", { start: "2026-03-01", end: "2026-03-31" })).toBe(
      "/api/v1/analytics/countries/?start=2026-03-01&end=2026-03-31&format=csv",
    );
  });
});
