/**
 * A disabled user, through the deployed functions on the emulator suite: their ID token is still one the Functions
 * emulator's callable check accepts (it decodes tokens; in production a token stays valid for up to an hour), but
 * createJob checks the account with the Admin SDK (verifyIdToken with checkRevoked, against the Auth emulator) and
 * refuses it. Against the emulator the Admin SDK checks every token it verifies for revocation (its tokens are not
 * signed), so that the HTTP API's reads still take such a token until it expires is shown in simulated time
 * (test/unit/core/revoked-users.test.ts), not here.
 */
import assert from 'node:assert/strict';
import { getAuth } from 'firebase-admin/auth';
import { FunctionsError } from 'firebase/functions';
import { adminApp, countJobsOwnedBy } from '../helpers/admin';
import { signedInUser } from '../helpers/client';
import { jobsUrl } from '../helpers/http';

describe('revoked or disabled users (emulator)', () => {
  it('refuses a disabled user’s createJob and HTTP create, writing nothing', async () => {
    const user = await signedInUser();
    try {
      await user.createJob({ type: 'sleep', input: { worktime: 0 } });
      const token = (await user.auth.currentUser?.getIdToken()) ?? '';
      await getAuth(adminApp()).updateUser(user.uid ?? '', { disabled: true });

      const refused = await user.createJob({ type: 'sleep', input: { worktime: 0 } }).catch((e: unknown) => e);
      assert.ok(refused instanceof FunctionsError, String(refused));
      assert.equal(refused.code, 'functions/unauthenticated');
      assert.match(refused.message, /revoked or is disabled/);

      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const body = JSON.stringify({ type: 'sleep', input: { worktime: 0 } });
      const http = await fetch(jobsUrl(), { method: 'POST', headers, body });
      assert.equal(http.status, 401, await http.text());
      assert.equal(await countJobsOwnedBy(user.uid ?? ''), 1, 'only the job made before');
      assert.equal((await getAuth(adminApp()).getUser(user.uid ?? '')).disabled, true);
    } finally {
      await user.close();
    }
  });
});
