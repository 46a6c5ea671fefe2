// The cold-start reference of `npm run bench`: the smallest firebase-functions module.
const { onRequest } = require('firebase-functions/v2/https');

exports.hello = onRequest((_req, res) => {
  res.send('hello');
});
