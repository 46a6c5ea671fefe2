/**
 * Whether ID token claims name an operator: the custom claim `admin` is exactly `true`, as the security rules
 * (`request.auth.token.admin == true`) and the admin callables require. The page decides only what it shows from
 * this; the rules and the callables are what refuse a user without it.
 */
export function isOperator(claims: Readonly<Record<string, unknown>> | undefined): boolean {
  return claims?.admin === true;
}
