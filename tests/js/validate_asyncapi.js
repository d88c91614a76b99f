// Validates an AsyncAPI document with the official parser (@asyncapi/parser, Spectral rules).
// Usage: node validate_asyncapi.js FILE. Prints the diagnostics as JSON; exits 1 on errors.
const fs = require("fs");
const { Parser } = require("@asyncapi/parser");

(async () => {
  const text = fs.readFileSync(process.argv[2], "utf8");
  const diagnostics = await new Parser().validate(text);
  const out = diagnostics.map((d) => ({ severity: d.severity, code: d.code,
                                        message: d.message, path: d.path.join(".") }));
  console.log(JSON.stringify(out));
  process.exit(diagnostics.some((d) => d.severity === 0) ? 1 : 0);  // 0 = error
})();
