#!/usr/bin/env node
// Real Better Auth server for the Django <-> Better Auth JWT interoperability test.
//
// - in-memory adapter (no database files), email+password sign-up, jwt() plugin
// - listens on 127.0.0.1:$PORT (PORT=0 or unset -> the OS picks a free port)
// - when ready (listening AND the JWKS signing key exists) prints exactly ONE JSON
//   line on stdout:
//     {"url": "http://127.0.0.1:<port>", "jwks_url": "http://127.0.0.1:<port>/api/auth/jwks", "alg": "<alg>"}
//   Everything else (Better Auth logs, warnings, errors) goes to stderr.
// - runs until SIGTERM / SIGINT, then exits 0.
//
// Environment:
//   PORT                   port to bind on 127.0.0.1 (default 0 = free port)
//   BA_JWT_ALG             EdDSA (default) | ES256 | ES512 | RS256 | PS256
//   BETTER_AUTH_SECRET     >= 32 chars; if unset a random secret is generated
//   BA_JWT_ISSUER          optional, default: the base URL (Better Auth default)
//   BA_JWT_AUDIENCE        optional, default: the base URL (Better Auth default)
//   BA_JWT_EXPIRATION      optional, e.g. "15m" (Better Auth default), "10s", or
//                          an absolute unix timestamp in seconds (digits only)
//   BA_LOG_LEVEL           Better Auth log level (default "warn"); logs go to stderr
//   BA_EXIT_ON_STDIN_EOF   "1" = also shut down when stdin reaches EOF (parent died)

import http from "node:http";
import { randomBytes } from "node:crypto";

// Keep stdout reserved for the single readiness line: Better Auth's logger (and
// some of its modules) use console.log for info/debug output.
const toStderr = (...args) => console.error(...args);
console.log = toStderr;
console.info = toStderr;
console.debug = toStderr;

function fail(message, code = 2) {
  process.stderr.write(`server.mjs: ${message}\n`);
  process.exit(code);
}

const SUPPORTED_ALGS = {
  // jwks.keyPairConfig values accepted by better-auth's jwt() plugin (JWKOptions)
  EdDSA: { alg: "EdDSA", crv: "Ed25519" },
  ES256: { alg: "ES256" },
  ES512: { alg: "ES512" },
  RS256: { alg: "RS256" },
  PS256: { alg: "PS256" },
};

const alg = process.env.BA_JWT_ALG || "EdDSA";
if (!Object.hasOwn(SUPPORTED_ALGS, alg)) {
  fail(`unsupported BA_JWT_ALG=${JSON.stringify(alg)}; expected one of ${Object.keys(SUPPORTED_ALGS).join(", ")}`);
}

let secret = process.env.BETTER_AUTH_SECRET;
if (!secret) {
  secret = randomBytes(32).toString("hex");
  process.stderr.write("server.mjs: BETTER_AUTH_SECRET not set, using a random secret for this run\n");
} else if (secret.length < 32) {
  fail("BETTER_AUTH_SECRET must be at least 32 characters long");
}

const portRaw = process.env.PORT ?? "0";
const port = Number(portRaw);
if (!/^\d+$/.test(portRaw) || port > 65535) fail(`invalid PORT=${JSON.stringify(portRaw)}`);

let expirationTime;
if (process.env.BA_JWT_EXPIRATION) {
  const v = process.env.BA_JWT_EXPIRATION;
  expirationTime = /^\d+$/.test(v) ? Number(v) : v;
}

// Import after the console redirection so module-level logging also goes to stderr.
const { betterAuth } = await import("better-auth");
const { jwt } = await import("better-auth/plugins/jwt");
const { memoryAdapter } = await import("better-auth/adapters/memory");
const { toNodeHandler } = await import("better-auth/node");

let handler = null;
const server = http.createServer((req, res) => {
  if (!handler) {
    res.writeHead(503, { "content-type": "text/plain" }).end("starting\n");
    return;
  }
  handler(req, res);
});

server.on("error", (err) => fail(`HTTP server error: ${err.message}`));

let stopping = false;
function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`server.mjs: ${signal} received, shutting down\n`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));

await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
const actualPort = server.address().port;
const baseURL = `http://127.0.0.1:${actualPort}`;

const auth = betterAuth({
  appName: "todo-interop-test",
  baseURL,
  secret,
  database: memoryAdapter({ user: [], session: [], account: [], verification: [], jwks: [] }),
  emailAndPassword: { enabled: true, requireEmailVerification: false },
  // Tests sign up several users quickly; never rate-limit (it is on by default when NODE_ENV=production).
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  logger: {
    level: process.env.BA_LOG_LEVEL || "warn",
    log: (level, message, ...args) => console.error(`[better-auth ${level}] ${message}`, ...args),
  },
  plugins: [
    jwt({
      jwks: { keyPairConfig: SUPPORTED_ALGS[alg] },
      jwt: {
        ...(process.env.BA_JWT_ISSUER ? { issuer: process.env.BA_JWT_ISSUER } : {}),
        ...(process.env.BA_JWT_AUDIENCE ? { audience: process.env.BA_JWT_AUDIENCE } : {}),
        ...(expirationTime !== undefined ? { expirationTime } : {}),
      },
    }),
  ],
});

// The jwt plugin creates its signing key lazily on the first /jwks or /token
// request. Create it now, so that (a) readiness means "JWKS is served" and (b)
// concurrent first requests cannot race and mint two keys.
try {
  const jwks = await auth.api.getJwks();
  if (!jwks?.keys?.length) throw new Error("JWKS is empty");
} catch (err) {
  fail(`could not initialise JWKS: ${err?.stack || err}`);
}

handler = toNodeHandler(auth);

// One line, '", "'-separated like Python's json.dumps; any JSON parser reads it.
const ready = { url: baseURL, jwks_url: `${baseURL}/api/auth/jwks`, alg };
process.stdout.write(
  `{${Object.entries(ready).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(", ")}}\n`,
);

// Opt-in orphan protection for test harnesses: start with stdin=PIPE and
// BA_EXIT_ON_STDIN_EOF=1, and the server exits as soon as the parent goes away.
if (process.env.BA_EXIT_ON_STDIN_EOF === "1") {
  process.stdin.on("end", () => shutdown("stdin EOF"));
  process.stdin.on("error", () => shutdown("stdin error"));
  process.stdin.resume();
}
