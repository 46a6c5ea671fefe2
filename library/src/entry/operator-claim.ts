/**
 * Who is an operator: a user whose verified ID token carries the custom claim `admin: true`, set with the Admin SDK's
 * `setCustomUserClaims` (`npm run grant-admin`; docs/console.md). The security rules say the same
 * (`request.auth.token.admin == true`), so what the console may read and what its callables may do agree.
 */
export const OPERATOR_CLAIM = 'admin';

/**
 * Whether verified token claims name an operator: exactly the boolean `true`, so a claim set to `"true"`, `1` or an
 * object by mistake grants nothing, as the rules' `== true` grants nothing either.
 */
export function hasOperatorClaim(claims: Readonly<Record<string, unknown>> | undefined): boolean {
  return claims?.[OPERATOR_CLAIM] === true;
}
