// The example application: the Node.js it runs on, and computed values (no npm dependencies).
"use strict";

const crypto = require("node:crypto");

function fibonacci(n) {
  let [a, b] = [0n, 1n];
  for (let i = 0; i < n; i++) {
    [a, b] = [b, a + b];
  }
  return a;
}

console.log(`Hello from ${__filename}`);
console.log(`node ${process.version} on ${process.platform}/${process.arch} (v8 ${process.versions.v8})`);
console.log(`fib(100) = ${fibonacci(100)}`);
console.log(`sha256(distroless) = ${crypto.createHash("sha256").update("distroless").digest("hex")}`);
console.log(`de-DE: ${new Intl.NumberFormat("de-DE").format(1234567.891)}`);
