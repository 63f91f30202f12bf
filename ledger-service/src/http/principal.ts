/** Who is calling. Resolved once per request by the auth middleware from the bearer token. */
export type Principal =
  | { readonly id: string; readonly role: 'agency'; readonly agencyId: string }
  | { readonly id: string; readonly role: 'regulator'; readonly regionCode: string }
  | { readonly id: string; readonly role: 'enterprise'; readonly creditCode: string }
  | { readonly id: string; readonly role: 'admin' }
  | { readonly id: 'public'; readonly role: 'public' };

export const PUBLIC_PRINCIPAL: Principal = Object.freeze({ id: 'public', role: 'public' });

/** A regulator sees what lies under its region prefix (a province sees its cities and counties). */
export function regionVisibleTo(regionPrefix: string, regionCode: string): boolean {
  return regionCode.startsWith(regionPrefix);
}
