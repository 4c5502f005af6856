import { describe, expect, it } from "vitest";
import { addCsrfHeader, readCsrfToken } from "./csrf";

function configRequest(verb: string): CustomEvent<{ headers: Record<string, string>; verb: string }> {
  return new CustomEvent("htmx:configRequest", { detail: { headers: {}, verb } });
}

describe("readCsrfToken", () => {
  it("finds the token among other cookies", () => {
    expect(readCsrfToken("sessionid=abc; csrftoken=t0k%3Dn; theme=dark")).toBe("t0k=n");
  });

  it("returns null when the cookie is absent", () => {
    expect(readCsrfToken("sessionid=abc")).toBeNull();
  });

  it("does not match a cookie whose name only ends like it", () => {
    expect(readCsrfToken("xcsrftoken=nope")).toBeNull();
  });
});

describe("addCsrfHeader", () => {
  it("adds the header to a POST", () => {
    const event = configRequest("post");
    addCsrfHeader(event, () => "csrftoken=abc");
    expect(event.detail.headers["X-CSRFToken"]).toBe("abc");
  });

  it("leaves GET requests alone", () => {
    const event = configRequest("get");
    addCsrfHeader(event, () => "csrftoken=abc");
    expect(event.detail.headers).toEqual({});
  });

  it("adds nothing when there is no cookie yet", () => {
    const event = configRequest("delete");
    addCsrfHeader(event, () => "");
    expect(event.detail.headers).toEqual({});
  });
});
