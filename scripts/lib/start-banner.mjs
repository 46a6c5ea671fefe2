// @ts-check
/**
 * What `npm start` prints once the emulators are up: how to create a job and watch it (README, "Try it").
 * @param {{ webOrigin: string, authOrigin: string, functionsUrl: string }} urls
 *   where the suite serves the web app and Auth, and the functions' base URL (`…/<project>/<region>`)
 */
export function startBanner({ webOrigin, authOrigin, functionsUrl }) {
  return `
async-jobs is running on the emulator suite.

  Web app: ${webOrigin}   (start jobs and watch them live)
  Operator console: ${webOrigin}/admin   (every user's jobs; docs/console.md says how to grant the admin claim:
    FIREBASE_AUTH_EMULATOR_HOST=${authOrigin.replace(/^https?:\/\//, '')} npm run grant-admin -- <uid or email>)

In another terminal:

  # create a sleep job and follow it live (a Firestore listener, no polling)
  npm run demo -- --worktime 5

  # or call the createJob callable with curl, as an anonymous Auth emulator user
  TOKEN=$(curl -s -H 'content-type: application/json' -d '{"returnSecureToken":true}' \\
    '${authOrigin}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=demo' | jq -r .idToken)
  curl -s -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
    -d '{"data":{"type":"sleep","input":{"worktime":5}}}' \\
    ${functionsUrl}/createJob

  # or use the HTTP API, the seed tutorial's way (docs/http-api.md, "The seed tutorial, replayed with curl")
  URL=${functionsUrl}/jobs

Stop with Ctrl-C.
`;
}
