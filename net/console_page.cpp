#include "net/console_page.hpp"

namespace parley {

const std::string& console_page() {
  static const std::string page = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Parley console</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 2em; color: #222; }
  table { border-collapse: collapse; margin-bottom: 1.5em; }
  th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: left; }
  th { background: #f3f3f3; }
  .up { color: #080; } .down { color: #b00; font-weight: bold; }
  #alarms li { color: #b00; }
</style>
</head>
<body>
<h1>Parley <span id="self"></span></h1>
<h2>Nodes</h2>
<table id="nodes"><tr><th>id</th><th>status</th><th>client</th><th>admin</th>
<th>cluster</th><th>sessions</th><th>mailboxes</th></tr></table>
<h2>Alarms</h2>
<ul id="alarms"></ul>
<h2>Counters</h2>
<table id="metrics"><tr><th>metric</th><th>value</th></tr></table>
<script>
const wanted = ["parley_sessions", "parley_messages_acked_total",
  "parley_messages_delivered_total", "parley_mailbox_depth", "parley_mailboxes",
  "parley_actor_restarts_total", "parley_cluster_nodes", "parley_store_commits_total"];
function cell(row, text, cls) {
  const td = row.insertCell(); td.textContent = text; if (cls) td.className = cls;
}
async function refresh() {
  try {
    const cluster = await (await fetch("/v1/cluster")).json();
    document.getElementById("self").textContent = cluster.self;
    const nodes = document.getElementById("nodes");
    while (nodes.rows.length > 1) nodes.deleteRow(1);
    for (const n of cluster.nodes) {
      const r = nodes.insertRow();
      cell(r, n.id); cell(r, n.status, n.status); cell(r, n.client); cell(r, n.admin);
      cell(r, n.cluster); cell(r, n.sessions); cell(r, n.mailboxes);
    }
    const alarms = document.getElementById("alarms");
    alarms.innerHTML = "";
    for (const a of cluster.alarms) {
      const li = document.createElement("li"); li.textContent = JSON.stringify(a);
      alarms.appendChild(li);
    }
    const text = await (await fetch("/metrics")).text();
    const metrics = document.getElementById("metrics");
    while (metrics.rows.length > 1) metrics.deleteRow(1);
    for (const line of text.split("\n")) {
      const [name, value] = line.split(" ");
      if (wanted.includes(name)) { const r = metrics.insertRow(); cell(r, name); cell(r, value); }
    }
  } catch (e) { document.getElementById("self").textContent = "(unreachable)"; }
}
refresh(); setInterval(refresh, 1000);
</script>
</body>
</html>
)html";
  return page;
}

} // namespace parley
