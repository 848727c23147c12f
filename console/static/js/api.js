// The public REST API, as any client calls it: JSON over fetch with the
// user's key as a bearer token. The key lives in this tab's session
// storage only, never in a cookie (no credentials are sent) or a URL.

const KEY = 'ewaybill.apiKey';

export const session = {
  key: () => sessionStorage.getItem(KEY) || '',
  set: (key) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

// ApiError is a refused call: the HTTP status and the google.rpc.Status
// the gateway sends, read into what the console shows.
export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super((body && body.message) || 'HTTP ' + status);
    this.status = status;
    this.code = body && body.code;
    this.reason = '';
    this.metadata = {};
    this.violations = [];
    this.quota = [];
    this.retryAfter = retryAfter ? Number(retryAfter) : 0;
    for (const d of (body && body.details) || []) {
      const type = String(d['@type'] || '');
      if (type.endsWith('google.rpc.ErrorInfo')) {
        this.reason = d.reason || '';
        this.metadata = d.metadata || {};
      } else if (type.endsWith('google.rpc.BadRequest')) {
        this.violations = (d.fieldViolations || []).map((v) => ({ field: v.field, rule: v.reason, description: v.description }));
      } else if (type.endsWith('google.rpc.QuotaFailure')) {
        this.quota = (d.violations || []).map((v) => v.subject);
      }
    }
  }
}

// NetworkError is a call that got no answer: the server could not be
// reached, or the connection broke before the answer arrived.
export class NetworkError extends Error {}

// path joins a resource name and a suffix into /v1/ form, each segment
// encoded (names hold slashes between segments, never inside one).
export function path(name, suffix = '') {
  return '/v1/' + String(name).split('/').map(encodeURIComponent).join('/') + suffix;
}

// call sends one request. query is an object of parameters (empty values
// left out; arrays repeat the parameter); body is sent as JSON.
export async function call(method, url, { query, body, signal } = {}) {
  const u = new URL(url, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    for (const one of Array.isArray(v) ? v : [v]) {
      if (one !== undefined && one !== null && one !== '') u.searchParams.append(k, String(one));
    }
  }
  const headers = { Accept: 'application/json' };
  const key = session.key();
  if (key) headers.Authorization = 'Bearer ' + key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(u, {
      method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer', redirect: 'error',
    });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new NetworkError(err.message);
  }
  const text = await res.text();
  let json = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { message: text.slice(0, 200) };
  }
  if (!res.ok) throw new ApiError(res.status, json, res.headers.get('Retry-After'));
  return json;
}

export const get = (url, query, opts) => call('GET', url, { ...opts, query });
export const post = (url, body = {}, opts) => call('POST', url, { ...opts, body });

// list fetches one page of a list method: {items, next}. field names the
// response's repeated field.
export async function page(url, field, { pageSize = 50, pageToken = '', ...query } = {}) {
  const out = await get(url, { pageSize, pageToken, ...query });
  return { items: out[field] || [], next: out.nextPageToken || '' };
}

// all reads every page of a short list (carriers, a merchant's quotas).
export async function all(url, field, query = {}) {
  const items = [];
  let pageToken = '';
  do {
    const p = await page(url, field, { ...query, pageSize: 1000, pageToken });
    items.push(...p.items);
    pageToken = p.next;
  } while (pageToken);
  return items;
}

// cachedAll is all(url, field) read once per page load: get resolves to
// the list, reading it on first use and again after a failed read or
// forget (after a change, or on sign-out).
export function cachedAll(url, field) {
  let loaded = null;
  return {
    get() {
      if (!loaded) {
        loaded = all(url, field).catch((err) => {
          loaded = null; // a failed read is tried again next time
          throw err;
        });
      }
      return loaded;
    },
    forget() {
      loaded = null;
    },
  };
}

// requestId makes a client id for a retry-safe call (top-ups, prints):
// the same id sent again is answered as a replay, never done twice.
export function requestId(prefix) {
  return prefix + '-' + crypto.randomUUID();
}

// retrying runs send (a call carrying a request id) again when it got no
// answer: with the same request id a retry is a replay on the server, so
// it can never top up or print twice. onRetry(n) hears of each retry.
export async function retrying(send, onRetry = () => {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      if (!(err instanceof NetworkError) || attempt === 3) throw err;
      onRetry(attempt);
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}
