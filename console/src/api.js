// The one way the console talks to the server: the credential from session storage as a bearer token, a 401 signs
// out, and a problem+json answer becomes an Error whose message a person can read.

const KEY = 'gridserver.key';
const listeners = new Set();

export const session = {
  get key() { return sessionStorage.getItem(KEY); },
  set(key) { sessionStorage.setItem(KEY, key); },
  clear() { sessionStorage.removeItem(KEY); },
  /** Called with the reason when the server refuses the credential. */
  onSignedOut(fn) { listeners.add(fn); return () => listeners.delete(fn); },
};

export class ApiError extends Error {
  constructor(status, title, detail, problem) {
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.problem = problem;
  }
}

/** fetch() against the API: JSON in and out; `raw` returns the Response. */
export async function api(path, { method = 'GET', body, query, raw, headers, key } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
  const init = { method, headers: { Accept: 'application/json, application/problem+json', ...headers } };
  const credential = key ?? session.key;
  if (credential) init.headers.Authorization = `Bearer ${credential}`;
  if (body instanceof Blob || body instanceof ArrayBuffer) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(url, init);
  if (response.status === 401) {
    const problem = await readJson(response);
    if (!key) {
      session.clear();
      for (const fn of listeners) fn(problem?.detail ?? problem?.title ?? 'signed out');
    }
    throw new ApiError(401, problem?.title ?? 'Unauthorized', problem?.detail, problem);
  }
  if (raw) return response;
  const data = await readJson(response);
  if (!response.ok) throw new ApiError(response.status, data?.title ?? response.statusText, data?.detail, data);
  return data;
}

async function readJson(response) {
  const text = await response.text();
  if (!text) return null;
  try { return JSON.parse(text); } catch { return { title: text.slice(0, 200) }; }
}
