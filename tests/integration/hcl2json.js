// Parses one .tf file with HashiCorp's HCL parser (npm @cdktf/hcl2json, a WebAssembly build of
// it) and prints its JSON; exit 1 with the parser's message on a syntax error.
const { parse } = require("@cdktf/hcl2json");
const fs = require("fs");
const file = process.argv[2];
parse(file, fs.readFileSync(file, "utf8"))
  .then((json) => process.stdout.write(JSON.stringify(json)))
  .catch((e) => {
    process.stderr.write(String(e && e.message ? e.message : e) + "\n");
    process.exit(1);
  });
