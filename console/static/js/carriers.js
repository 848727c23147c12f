// Carriers, read once per page load: every view names carriers by their
// display names and lists them in filters.

import { cachedAll } from './api.js';

const cache = cachedAll('/v1/carriers', 'carriers');

// carriers resolves to the carrier list (every key may read it); forget
// drops it (after an admin changes carriers, or on sign-out).
export const carriers = cache.get;
export const forget = cache.forget;

// carrierLabel is "顺丰速运 (SF)" for a carrier name or code.
export function carrierLabel(list, nameOrCode) {
  const code = String(nameOrCode || '').replace('carriers/', '');
  const c = list.find((x) => x.code === code);
  return c && c.displayName ? c.displayName + ' (' + code + ')' : code;
}

// carrierOptions are [value, label] pairs for a select of carriers, the
// value being the carrier's resource name.
export function carrierOptions(list) {
  return list.map((c) => [c.name, carrierLabel(list, c.code)]);
}
