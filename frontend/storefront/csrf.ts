/**
 * Django's CSRF token for htmx requests, read from the `csrftoken` cookie.
 *
 * Pages do not print the token into <body>: a page without a form then carries nothing
 * per-visitor and can be served from the shared page cache. Forms that post still carry
 * their own hidden token, which htmx sends with the form's fields.
 */
export function readCsrfToken(cookies: string, name = "csrftoken"): string | null {
  for (const part of cookies.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name && rest.length > 0) {
      return decodeURIComponent(rest.join("="));
    }
  }
  return null;
}

interface ConfigRequestDetail {
  headers: Record<string, string>;
  verb: string;
}

export function addCsrfHeader(event: Event, cookies: () => string = () => document.cookie): void {
  const detail = (event as CustomEvent<ConfigRequestDetail>).detail;
  if (!detail || detail.verb.toLowerCase() === "get") {
    return;
  }
  const token = readCsrfToken(cookies());
  if (token) {
    detail.headers["X-CSRFToken"] = token;
  }
}
