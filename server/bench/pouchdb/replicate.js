// PouchDB's replication over loopback HTTP, three processes, as issue 21's
// anchor measured in bench-replicate's run (./dev bench replicate): device A
// (PouchDB 9 on LevelDB) -> express-pouchdb 4.2 (LevelDB) -> device B (PouchDB
// on LevelDB), the same 10-column households as bench-replicate's, A's
// replication to the server then B's from it, timed like bench-replicate's
// push, pull and end to end. Prints `bench pouchdb.METRIC VALUE UNIT` lines.
//   node replicate.js driver [N]   (default 100,000 docs)
const { spawn } = require('child_process');
const path = require('path');
const fs = require('fs');
const os = require('os');
const [mode, ...args] = process.argv.slice(2);
const roads = ['清濛大道', '紫山路', '德泰路', '崇德路', '安吉路', '清华路', '园区东路', '江滨北路'];
const names = ['陈建华', '林丽娟', '黄志强', '王秀英', '李国平', '张美玲', '吴文斌', '蔡雅婷'];
function household(i) {
  return {
    _id: 'hh-' + String(i).padStart(8, '0'), grid_id: '350503105101001',
    address: '泉州市丰泽区清濛园区' + roads[i % 8] + (i % 300 + 1) + '号', building: (i % 40 + 1) + '栋',
    room: (i % 6 + 1) + '单元' + (100 * (i % 30 + 1) + i % 4 + 1), head_name: names[i % 8],
    phone: String(13800000000 + (i * 7919) % 100000000), members: i % 6 + 1, tags: i % 3 ? '常住' : '出租屋',
    notes: '入户核实：联系方式已更新，无异常情况。记录编号' + i, deleted: 0,
  };
}
async function main() {
  if (mode === 'server') {
    const PouchDB = require('pouchdb-node');
    const express = require('express');
    const app = express();
    app.use('/', require('express-pouchdb')(PouchDB.defaults({ prefix: args[1] + '/' }), { mode: 'minimumForPouchDB', logPath: args[1] + '/log.txt' }));
    app.listen(Number(args[0]), '127.0.0.1', () => console.log('ready'));
    return;
  }
  if (mode === 'a' || mode === 'b') {
    const PouchDB = require('pouchdb-node');
    const [url, dir, n] = [args[0], args[1], Number(args[2])];
    const local = new PouchDB(path.join(dir, 'device_' + mode));
    if (mode === 'a') for (let i = 0; i < n; i += 1000) {
      const docs = []; for (let k = i; k < Math.min(n, i + 1000); ++k) docs.push(household(k));
      await local.bulkDocs(docs);
    }
    console.log('ready');
    await new Promise(r => process.stdin.once('data', r));
    const t0 = process.hrtime.bigint();
    const rep = mode === 'a' ? local.replicate.to(url + '/park') : local.replicate.from(url + '/park');
    const res = await rep;
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage();
    console.log('done ' + s + ' ' + res.docs_written + ' ' + (cpu.user + cpu.system) / 1e6);
    process.exit(0);
  }
  // the driver
  const n = Number(args[0] || 100000), port = 15984 + Math.floor(Math.random() * 1000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pouch-'));
  const child = (m, extra) => {
    const c = spawn(process.execPath, [__filename, m, ...extra], { stdio: ['pipe', 'pipe', 'inherit'] });
    c.lines = []; c.waiters = [];
    let buf = '';
    c.stdout.on('data', d => { buf += d; let i; while ((i = buf.indexOf('\n')) >= 0) { const l = buf.slice(0, i); buf = buf.slice(i + 1); const w = c.waiters.shift(); if (w) w(l); else c.lines.push(l); } });
    c.line = () => c.lines.length ? Promise.resolve(c.lines.shift()) : new Promise(r => c.waiters.push(r));
    return c;
  };
  fs.mkdirSync(dir + '/server');
  const server = child('server', [String(port), dir + '/server']);
  await server.line();
  const url = 'http://127.0.0.1:' + port;
  await fetch(url + '/park', { method: 'PUT' });
  const a = child('a', [url, dir, String(n)]), b = child('b', [url, dir, String(n)]);
  await a.line(); await b.line();
  const t0 = process.hrtime.bigint();
  a.stdin.write('go\n');
  const pa = (await a.line()).split(' ');
  b.stdin.write('go\n');
  const pb = (await b.line()).split(' ');
  const e2e = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`bench pouchdb.push_per_s ${(n / pa[1]).toFixed(0)} docs/s (${pa[2]} written)`);
  console.log(`bench pouchdb.pull_per_s ${(n / pb[1]).toFixed(0)} docs/s (${pb[2]} written)`);
  console.log(`bench pouchdb.end_to_end_per_s ${(n / e2e).toFixed(0)} docs/s`);
  server.kill(); fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
main().catch(e => { console.error(e); process.exit(1); });
