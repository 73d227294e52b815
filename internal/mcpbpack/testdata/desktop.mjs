// Starts an unpacked bundle the way Claude Desktop does and talks MCP to it.
//
//   node desktop.mjs MCPB_PACKAGE_DIR BUNDLE_DIR USER_CONFIG_JSON
//
// The command line comes from getMcpConfigForManifest of @anthropic-ai/mcpb
// (the code Claude Desktop uses to fill ${__dirname} and ${user_config.*});
// then the bundle's binary is started with it and must answer initialize and
// tools/list over stdio. Prints the resolved command line and the tool names;
// exits 1 on any failure.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

const [pkg, dir, userConfigJSON] = process.argv.slice(2);
let child;
const { getMcpConfigForManifest } = await import(pathToFileURL(join(pkg, "dist/shared/config.js")).href);
const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
const config = await getMcpConfigForManifest({
  manifest,
  extensionPath: dir,
  systemDirs: { HOME: process.env.HOME ?? "", DESKTOP: "", DOCUMENTS: "", DOWNLOADS: "" },
  userConfig: JSON.parse(userConfigJSON),
  pathSeparator: "/",
});
if (!config) fail("getMcpConfigForManifest gave no config (required user_config missing?)");
console.log("command:", config.command);
console.log("args:", JSON.stringify(config.args));
for (const a of config.args ?? []) {
  if (a.includes("${")) fail(`argument ${JSON.stringify(a)} was left unfilled`);
}

child = spawn(config.command, config.args, { env: { ...process.env, ...config.env }, stdio: ["pipe", "pipe", "inherit"] });
const timer = setTimeout(() => fail("no answer to tools/list within 20 s"), 20000);
child.on("error", (e) => fail(`could not start ${config.command}: ${e.message}`));
const send = (m) => child.stdin.write(JSON.stringify({ jsonrpc: "2.0", ...m }) + "\n");
createInterface({ input: child.stdout }).on("line", (line) => {
  const msg = JSON.parse(line); // stdout must be JSON-RPC only
  if (msg.error) fail(`server error: ${JSON.stringify(msg.error)}`);
  if (msg.id === 1) {
    send({ method: "notifications/initialized" });
    send({ id: 2, method: "tools/list", params: {} });
  } else if (msg.id === 2) {
    console.log("tools:", msg.result.tools.map((t) => t.name).join(" "));
    clearTimeout(timer);
    child.stdin.end();
    child.kill();
    process.exit(0);
  }
});
send({ id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "desktop.mjs", version: "1" } } });

function fail(why) {
  console.error("desktop.mjs: " + why);
  child?.kill();
  process.exit(1);
}
