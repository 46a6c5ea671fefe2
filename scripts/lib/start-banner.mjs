// @ts-check
/** What `npm start` prints once the emulators are up: how to create a job and watch it (README, "Try it"). */
export function startBanner() {
  return `
async-jobs is running on the emulator suite.

  Web app: http://127.0.0.1:5000   (start jobs and watch them live)

In another terminal:

  # create a sleep job and follow it live (a Firestore listener, no polling)
  npm run demo -- --worktime 5

  # or call the createJob callable with curl, as an anonymous Auth emulator user
  TOKEN=$(curl -s -H 'content-type: application/json' -d '{"returnSecureToken":true}' \\
    'http://127.0.0.1:9099/identitytoolkit.googleapis.com/v1/accounts:signUp?key=demo' | jq -r .idToken)
  curl -s -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
    -d '{"data":{"type":"sleep","input":{"worktime":5}}}' \\
    http://127.0.0.1:5001/demo-async-jobs/us-central1/createJob

  # or use the HTTP API, the seed tutorial's way (README, "The seed tutorial, replayed with curl")
  URL=http://127.0.0.1:5001/demo-async-jobs/us-central1/jobs

Stop with Ctrl-C.
`;
}
