#!/usr/bin/env node
// Call the todo API the way a frontend does: fetch with a Bearer token.
//
// Usage: node call-api.mjs METHOD URL TOKEN [JSON_BODY]
// Output (stdout, one line): {"status": 201, "location": "...", "body": <parsed JSON or null>}

const [method, url, token, body] = process.argv.slice(2);
if (!method || !url || !token) {
  process.stderr.write("usage: node call-api.mjs METHOD URL TOKEN [JSON_BODY]\n");
  process.exit(2);
}

const headers = { Authorization: `Bearer ${token}` };
if (body !== undefined) headers["Content-Type"] = "application/json";

const response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(10_000) });
const text = await response.text();
process.stdout.write(
  JSON.stringify({
    status: response.status,
    location: response.headers.get("location"),
    body: text ? JSON.parse(text) : null,
  }) + "\n",
);
