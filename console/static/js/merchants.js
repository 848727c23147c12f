// Merchants' names for admin views that list other records by merchant
// (authorizations, quotas). Reading merchants as an admin shows their
// identity numbers in full, which the server writes to the audit log, so
// the list is read once per page load, not once per row.

import { cachedAll } from './api.js';
import { idOf } from './dom.js';

const cache = cachedAll('/v1/merchants', 'merchants');

// merchantList resolves to every merchant (admins only); forgetMerchants
// drops it after a review changes it, or on sign-out.
export const merchantList = cache.get;
export const forgetMerchants = cache.forget;

// merchantOf is the "merchants/{id}" a resource name starts with.
export function merchantOf(name) {
  return String(name).split('/').slice(0, 2).join('/');
}

// merchantLabel is a merchant's legal name, or its id when unknown.
export function merchantLabel(list, name) {
  const m = list.find((x) => x.name === name);
  return m ? m.qualification.legalName : idOf(name);
}
