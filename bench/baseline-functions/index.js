// @ts-check
/**
 * The baseline of `npm run bench`: the seed tutorial's design ("Asynchronous patterns for Cloud Functions")
 * ported as is. The Jobs function writes the job and publishes the task; the worker does two plain updates
 * (Running, then Completed), with no transaction, no claim, no auth; clients poll GET every 2 s. It is a
 * separate codebase that only `npm run bench` loads (scripts/emulators.mjs --bench), so no deploy ever ships it.
 */
const { setTimeout: sleep } = require('node:timers/promises');
const { onRequest } = require('firebase-functions/v2/https');
const { onMessagePublished } = require('firebase-functions/v2/pubsub');
const { initializeApp } = require('firebase-admin/app');
const { getFirestore } = require('firebase-admin/firestore');
const { PubSub } = require('@google-cloud/pubsub');

initializeApp();
const db = getFirestore();
const topic = new PubSub().topic('baseline-jobs');
const Created = 0;
const Running = 1;
const Completed = 2;

exports.baselineJobs = onRequest(async (req, res) => {
  if (req.method === 'POST') {
    const ref = db.collection('baselineJobs').doc();
    /** @type {unknown} */
    const body = req.body;
    const task = /** @type {{ worktime: number }} */ (body);
    const job = { id: ref.id, 'created-time': new Date(), Done: false, Result: '', State: Created, Task: task };
    await ref.set(job);
    await topic.publishMessage({ json: task, attributes: { id: ref.id } });
    res.json({ id: ref.id });
    return;
  }
  const id = req.path.replace(/^\//, '');
  const snap = await db.collection('baselineJobs').doc(id).get();
  if (!snap.exists) {
    res.status(404).send('not found');
    return;
  }
  // The seed's Job type hides Task from JSON (`json:"-"`).
  const job = { ...snap.data() };
  delete job.Task;
  res.json(job);
});

exports.baselineWorker = onMessagePublished('baseline-jobs', async (event) => {
  const id = /** @type {string} */ (event.data.message.attributes.id);
  /** @type {unknown} */
  const json = event.data.message.json;
  const task = /** @type {{ worktime: number }} */ (json);
  const ref = db.collection('baselineJobs').doc(id);
  await ref.update({ State: Running });
  await sleep(task.worktime * 1000);
  await ref.update({ State: Completed, Done: true, Result: 'OK completed', 'done-time': new Date() });
});
