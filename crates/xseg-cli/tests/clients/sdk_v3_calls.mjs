// Calls PutTraceSegments with the AWS SDK for JavaScript v3, as an application would, and prints
// what the SDK returns.
//
//   node sdk_v3_calls.mjs ENDPOINT_URL < calls.json
//
// The same calls and results as boto3_calls.py: standard input is a JSON list of
// {"documents": [...], "secret": "test", "attempts": 1}; standard output one JSON list of
// {"answer": {"UnprocessedTraceSegments": [...]}} or {"error": {"code", "message", "status"}}.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { XRayClient, PutTraceSegmentsCommand } = require("@aws-sdk/client-xray");

const endpoint = process.argv[2];
const calls = JSON.parse(readFileSync(0, "utf8"));
const results = [];
for (const call of calls) {
  const client = new XRayClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: call.secret ?? "test" },
    maxAttempts: call.attempts ?? 1,
  });
  try {
    const out = await client.send(
      new PutTraceSegmentsCommand({ TraceSegmentDocuments: call.documents }),
    );
    results.push({ answer: { UnprocessedTraceSegments: out.UnprocessedTraceSegments ?? [] } });
  } catch (e) {
    results.push({
      error: { code: e.name, message: e.message, status: e.$metadata?.httpStatusCode ?? null },
    });
  }
  client.destroy();
}
process.stdout.write(JSON.stringify(results));
