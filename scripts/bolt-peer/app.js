// Bolt for JavaScript peer of scripts/bench.sh (tests/examples/ack_bench.rs starts it).
// HTTPReceiver on BOLT_PORT, POST /slack/commands, signatures verified with
// SLACK_SIGNING_SECRET (Bolt's default); a /incident handler that acks with BOLT_ACK_JSON,
// the body the bot itself answers to `/incident help`, so both peers send the same bytes.
'use strict';
const { App, HTTPReceiver, LogLevel } = require('@slack/bolt');

const command = process.env.BOLT_COMMAND || '/incident';
const ackBody = JSON.parse(process.env.BOLT_ACK_JSON || '{"text":"usage"}');
const receiver = new HTTPReceiver({
  signingSecret: process.env.SLACK_SIGNING_SECRET,
  endpoints: ['/slack/commands'],
  logLevel: LogLevel.WARN,
});
const app = new App({
  receiver,
  token: process.env.SLACK_BOT_TOKEN || 'xoxb-bench',
  // No auth.test call, at start or on the first request: the bench has no Slack to answer
  // it, so the bot's identity is given.
  tokenVerificationEnabled: false,
  botId: 'B0BENCH',
  botUserId: 'U0BENCH',
  logLevel: LogLevel.WARN,
});

app.command(command, async ({ ack }) => {
  await ack(ackBody);
});

(async () => {
  await app.start(Number(process.env.BOLT_PORT || 3000));
  console.log(`bolt peer listening on ${process.env.BOLT_PORT || 3000}`);
})();
