#!/usr/bin/env node
// Obtain a Better Auth JWT the way a frontend does, using Better Auth's own client:
//   createAuthClient({ plugins: [jwtClient()] })
//   authClient.signUp.email(...)   (falls back to signIn.email if the user exists)
//   authClient.token()             -> GET /api/auth/token -> { token }
//
// Node has no browser cookie jar, so a tiny one is plugged into the client through
// `fetchOptions.customFetchImpl`: Set-Cookie from every response is remembered and
// sent back as the Cookie header. An Origin header equal to the server's origin is
// added to every request, as a same-origin browser would send it (Better Auth's
// origin/CSRF check trusts the baseURL origin by default).
//
// Usage:
//   node get-token.mjs [BASE_URL] [EMAIL] [PASSWORD] [NAME]
//   node get-token.mjs --url URL --email EMAIL --password PASSWORD --name NAME
// Each value falls back to env: BETTER_AUTH_URL, BA_EMAIL, BA_PASSWORD, BA_NAME.
// BASE_URL is the server root (e.g. http://127.0.0.1:40000), as printed by server.mjs
// ("url"); a URL already ending in /api/auth is accepted too.
// Defaults: EMAIL = random user-<hex>@example.com, PASSWORD = "correct-horse-battery-staple",
// NAME = the local part of EMAIL. BA_TIMEOUT_MS (default 10000) bounds each HTTP request.
//
// Output (stdout, exactly one line):  {"user_id": "...", "token": "..."}
// On failure: message on stderr, exit code 1 (2 for usage errors), nothing on stdout.

import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";

function fail(message, code = 1) {
  process.stderr.write(`get-token.mjs: ${message}\n`);
  process.exit(code);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: "string" },
      email: { type: "string" },
      password: { type: "string" },
      name: { type: "string" },
    },
  });
} catch (err) {
  fail(err.message, 2);
}
const [posUrl, posEmail, posPassword, posName] = parsed.positionals;
const baseURLArg = parsed.values.url ?? posUrl ?? process.env.BETTER_AUTH_URL;
const email = parsed.values.email ?? posEmail ?? process.env.BA_EMAIL ?? `user-${randomBytes(6).toString("hex")}@example.com`;
const password = parsed.values.password ?? posPassword ?? process.env.BA_PASSWORD ?? "correct-horse-battery-staple";
const name = parsed.values.name ?? posName ?? process.env.BA_NAME ?? email.split("@")[0];
const timeoutMs = Number(process.env.BA_TIMEOUT_MS || 10000);

if (!baseURLArg) fail("no Better Auth URL: pass it as first argument / --url, or set BETTER_AUTH_URL", 2);
let serverURL;
try {
  serverURL = new URL(baseURLArg);
} catch {
  fail(`invalid Better Auth URL: ${JSON.stringify(baseURLArg)}`, 2);
}
// Accept both "http://host:port" and "http://host:port/api/auth".
const rootURL = serverURL.origin + serverURL.pathname.replace(/\/+$/, "").replace(/\/api\/auth$/, "");

const { createAuthClient } = await import("better-auth/client");
const { jwtClient } = await import("better-auth/client/plugins");

// --- minimal cookie jar (single origin, name -> value) -------------------------
const jar = new Map();
function storeCookies(response) {
  for (const line of response.headers.getSetCookie?.() ?? []) {
    const [pair, ...attrs] = line.split(";");
    const eq = pair.indexOf("=");
    if (eq <= 0) continue;
    const cookieName = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attrs.some((a) => {
      const [k, v = ""] = a.split("=").map((s) => s.trim());
      return (k.toLowerCase() === "max-age" && Number(v) <= 0) ||
        (k.toLowerCase() === "expires" && Date.parse(v) <= Date.now());
    });
    if (expired || value === "") jar.delete(cookieName);
    else jar.set(cookieName, value);
  }
}

async function cookieFetch(input, init = {}) {
  const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
  if (jar.size) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
  if (!headers.has("origin")) headers.set("origin", serverURL.origin);
  const response = await fetch(input, {
    ...init,
    headers,
    signal: init.signal ?? AbortSignal.timeout(timeoutMs),
  });
  storeCookies(response);
  return response;
}

const authClient = createAuthClient({
  baseURL: rootURL, // the client appends the default basePath /api/auth
  plugins: [jwtClient()],
  fetchOptions: { customFetchImpl: cookieFetch },
});

function describe(error) {
  if (!error) return "unknown error";
  const parts = [error.status, error.statusText, error.code, error.message].filter(Boolean);
  return parts.join(" ") || JSON.stringify(error);
}

async function main() {
  let userId;
  const signUp = await authClient.signUp.email({ email, password, name });
  if (signUp.error) {
    if (signUp.error.status !== 422 || !String(signUp.error.code || "").startsWith("USER_ALREADY_EXISTS")) {
      throw new Error(`sign-up failed for ${email}: ${describe(signUp.error)}`);
    }
    // Already registered (e.g. re-run against the same server): sign in instead.
    const signIn = await authClient.signIn.email({ email, password });
    if (signIn.error) throw new Error(`user exists but sign-in failed for ${email}: ${describe(signIn.error)}`);
    userId = signIn.data?.user?.id;
  } else {
    userId = signUp.data?.user?.id;
  }
  if (!userId) throw new Error("sign-up/sign-in response did not contain user.id");
  if (![...jar.keys()].some((k) => k.endsWith("session_token"))) {
    throw new Error(`no session cookie received (cookies: ${[...jar.keys()].join(", ") || "none"})`);
  }

  const tokenRes = await authClient.token();
  if (tokenRes.error) throw new Error(`GET /api/auth/token failed: ${describe(tokenRes.error)}`);
  const token = tokenRes.data?.token;
  if (typeof token !== "string" || token.split(".").length !== 3) {
    throw new Error(`GET /api/auth/token returned no JWT: ${JSON.stringify(tokenRes.data)}`);
  }

  // Sanity check only (no signature verification here): sub must be the user id.
  const payload = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8"));
  if (payload.sub !== userId) throw new Error(`JWT sub ${JSON.stringify(payload.sub)} != user id ${JSON.stringify(userId)}`);

  process.stdout.write(`{"user_id": ${JSON.stringify(userId)}, "token": ${JSON.stringify(token)}}\n`);
}

try {
  await main();
  process.exit(0);
} catch (err) {
  const cause = err?.cause ? ` (cause: ${err.cause.code || err.cause.message || err.cause})` : "";
  fail(`${err?.message || err}${cause}`);
}
