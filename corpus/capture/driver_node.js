#!/usr/bin/env node
/*
 * Drive aws-xray-sdk-core (Node) through a seeded spread of traces, mirroring driver_py.py.
 *
 * Every document is produced and sent by the SDK itself: web segments come from the SDK's
 * middleware helper (traceRequestResponseCycle) serving real HTTP requests on a loopback server
 * in this process, remote HTTP subsegments from captureHTTPs against endpoints.py, AWS
 * subsegments from captureAWSv3Client around real AWS SDK v3 clients (DynamoDB, SQS) pointed at
 * endpoints.py, SQL subsegments built the way the SDK's SQL patchers build them (SqlData), and
 * the datagrams leave through the SDK's own emitter. This script only plays the application.
 *
 * Ids and the clock are seeded (crypto.randomBytes and Date are replaced by seeded versions before
 * the SDK is loaded), so a run is reproducible on the same Node and SDK versions, apart from the
 * ephemeral port of endpoints.py that appears in URLs.
 *
 * Prints one JSON line at the end: {"sdk": "node", "sent": N, "failed": F, ...}, where `sent`
 * counts the datagrams the socket accepted and `failed` the sends that reported an error.
 */
'use strict';
const crypto = require('crypto');
const dgram = require('dgram');
const fs = require('fs');
const http = require('http');
const path = require('path');
const { createRequire } = require('module');

// --- arguments ----------------------------------------------------------------------------------
function parseArgs(argv) {
  const a = { probes: 1, oversize: false, nodeEnv: path.join(__dirname, '..', 'out', 'env', 'node') };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => argv[++i];
    if (k === '--seed') a.seed = parseInt(v(), 10);
    else if (k === '--traces') a.traces = parseInt(v(), 10);
    else if (k === '--daemon') a.daemon = v();
    else if (k === '--endpoint') a.endpoint = v();
    else if (k === '--probes') a.probes = parseInt(v(), 10);
    else if (k === '--oversize') a.oversize = true;
    else if (k === '--node-env') a.nodeEnv = v();
    else throw new Error('unknown argument ' + k);
  }
  for (const k of ['seed', 'traces', 'daemon', 'endpoint']) {
    if (a[k] === undefined || Number.isNaN(a[k])) throw new Error('missing --' + k);
  }
  return a;
}
const ARGS = parseArgs(process.argv.slice(2));
const [EP_HOST, EP_PORT_S] = ARGS.endpoint.split(':');
const EP_PORT = parseInt(EP_PORT_S, 10);
const DEAD_PORT = 9; // discard port on 127.0.0.1: nothing listens, connect() is refused

// --- seeded randomness ----------------------------------------------------------------------------
class Rng {
  constructor(seed) {
    let s = seed >>> 0;
    const sm = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = sm(); this.b = sm(); this.c = sm(); this.d = sm();
    for (let i = 0; i < 16; i++) this.u32();
  }
  u32() { // sfc32
    this.a >>>= 0; this.b >>>= 0; this.c >>>= 0; this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  random() { return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992; }
  randrange(a, b) { if (b === undefined) { b = a; a = 0; } return a + Math.floor(this.random() * (b - a)); }
  uniform(a, b) { return a + (b - a) * this.random(); }
  choice(arr) { return arr[this.randrange(arr.length)]; }
  choices(arr, w) {
    const total = w.reduce((x, y) => x + y, 0);
    let r = this.random() * total;
    for (let i = 0; i < arr.length; i++) { r -= w[i]; if (r < 0) return arr[i]; }
    return arr[arr.length - 1];
  }
  hex(n) { let s = ''; while (s.length < n) s += this.u32().toString(16).padStart(8, '0'); return s.slice(0, n); }
}

const idRng = new Rng(ARGS.seed * 7919 + 1);
crypto.randomBytes = function seededRandomBytes(size, cb) {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = idRng.u32() & 0xff;
  if (typeof cb === 'function') { process.nextTick(cb, null, b); return undefined; }
  return b;
};

// Wall clock stand-in: starts at a fixed epoch per seed, advances a few microseconds per read and
// by simulated work; Date.now() keeps its millisecond resolution, as the SDK sees it for real.
const RealDate = Date;
const CLOCK = {
  ms: (1764547200 + (ARGS.seed % 1000) * 7200) * 1000 + new Rng(ARGS.seed).random() * 1000,
  rng: new Rng(ARGS.seed * 31 + 7),
  read() { this.ms += this.rng.uniform(0.002, 0.06); return Math.floor(this.ms); },
  work(loMs, hiMs) { this.ms += this.rng.uniform(loMs, hiMs); },
  seconds() { return this.ms / 1000; },
};
class SeededDate extends RealDate {
  constructor(...a) { if (a.length === 0) super(CLOCK.read()); else super(...a); }
  static now() { return CLOCK.read(); }
}
globalThis.Date = SeededDate;

// --- environment, then the SDKs ---------------------------------------------------------------------
Object.assign(process.env, {
  AWS_XRAY_DAEMON_ADDRESS: ARGS.daemon,
  AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
  AWS_XRAY_MANUAL_MODE: '1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  npm_package_name: 'xseg-capture',
  npm_package_version: '1.0.0',
});
const envRequire = createRequire(path.join(path.resolve(ARGS.nodeEnv), 'package.json'));
const AWSXRay = envRequire('aws-xray-sdk-core');
const SegmentEmitter = envRequire('aws-xray-sdk-core/dist/lib/segment_emitter');
const SegmentUtils = AWSXRay.SegmentUtils;
const { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } =
  envRequire('@aws-sdk/client-dynamodb');
const { SQSClient, SendMessageCommand, ReceiveMessageCommand } = envRequire('@aws-sdk/client-sqs');
const { ConfiguredRetryStrategy } = envRequire('@smithy/core/retry');
const VERSIONS = {
  sdk_version: envRequire('aws-xray-sdk-core/package.json').version,
  client_dynamodb: envRequire('@aws-sdk/client-dynamodb/package.json').version,
  client_sqs: envRequire('@aws-sdk/client-sqs/package.json').version,
};

const quiet = () => {};
AWSXRay.setLogger({ error: quiet, warn: quiet, info: quiet, debug: quiet });
Error.stackTraceLimit = 30; // like the Python driver's max_trace_back

// The SDK's emitter sends through this socket (its own code formats and calls send()); counting
// the callbacks tells how many datagrams left and how many sends failed.
const STATS = { sent: 0, failed: 0, bytes: 0, pending: 0, errors: {} };
const udp = dgram.createSocket('udp4');
SegmentEmitter.socket = {
  send(msg, offset, length, port, address, cb) {
    STATS.pending++;
    udp.send(msg, offset, length, port, address, (err) => {
      STATS.pending--;
      if (err) { STATS.failed++; STATS.errors[err.code] = (STATS.errors[err.code] || 0) + 1; }
      else { STATS.sent++; STATS.bytes += length; }
      if (cb) cb(err);
    });
  },
};

const V = JSON.parse(fs.readFileSync(path.join(__dirname, 'vocab.json'), 'utf8'));
const rng = new Rng(ARGS.seed);

// What a plugin would have found on the host (the real plugins call the instance metadata service,
// which is not reachable here); the SDK copies this into every segment.
const hostKind = rng.choice(['ec2', 'ecs', 'beanstalk', 'none']);
if (hostKind === 'ec2') {
  SegmentUtils.setPluginData({ ec2: { instance_id: 'i-' + rng.hex(17),
    availability_zone: rng.choice(['eu-west-1a', 'us-east-1c', 'ap-northeast-1d']),
    instance_size: 'm5.large', ami_id: 'ami-' + rng.hex(17) } });
  SegmentUtils.setOrigin('AWS::EC2::Instance');
} else if (hostKind === 'ecs') {
  SegmentUtils.setPluginData({ ecs: { container: 'ip-10-0-' + rng.randrange(256) + '-' + rng.randrange(256) + '.ec2.internal' } });
  SegmentUtils.setOrigin('AWS::ECS::Container');
} else if (hostKind === 'beanstalk') {
  SegmentUtils.setPluginData({ elastic_beanstalk: { environment: 'shop-prod', version_label: 'app-' + rng.randrange(900),
    deployment_id: rng.randrange(1, 400) } });
  SegmentUtils.setOrigin('AWS::ElasticBeanstalk::Environment');
}
const COLLECT_SQL_QUERIES = rng.random() < 0.5; // AWS_XRAY_COLLECT_SQL_QUERIES of the SQL patchers
const SQL_VERSIONS = rng.random() < 0.5; // POSTGRES_DATABASE_VERSION and friends set or not

// --- vocabulary (mirrors names.py) ----------------------------------------------------------------------
const segName = () => (rng.random() < 0.15 ? rng.choice(V.non_ascii_names) : rng.choice(V.seg_names));
const subName = () => (rng.random() < 0.1 ? rng.choice(V.non_ascii_names) : rng.choice(V.sub_names));
const userAgent = () => rng.choice(V.user_agents);
const user = () => rng.choice(['u-' + rng.randrange(1e6), rng.hex(32)].concat(V.users));
const errorMessage = () => rng.choice(V.error_messages);
const namespace = () => (rng.random() < 0.002 ? V.reserved_namespace : rng.choice(V.namespaces));

function webTarget() {
  if (rng.random() < 0.01) return ['shop.example.com', '/' + 'p/'.repeat(140)];
  return rng.choice([
    ['shop.example.com', '/cart'], ['shop.example.com', '/orders/' + rng.randrange(1e6)],
    ['10.0.3.7:8080', '/health'], ['api.example.com', '/v2/search?q=caf%C3%A9&page=2'],
    ['xn--r8jz45g.jp', '/%E6%B3%A8%E6%96%87/' + rng.randrange(999)],
    ['shop.example.com', '/checkout?step=2&token=' + rng.hex(32)],
  ]);
}

function annValue(kind) {
  if (kind === 'str') {
    if (rng.random() < 0.01) return 'x'.repeat(rng.choice([999, 1000, 1001]));
    return rng.choice(V.ann_strings.concat(['x'.repeat(20), rng.hex(8)]));
  }
  if (kind === 'int') return rng.choice([0, 1, -7, rng.randrange(1e6), rng.randrange(1e6), 2 ** 53 + 1, 1e20, -(2 ** 63)]);
  if (kind === 'float') return rng.choice([0.5, 3.14159, -0.0, 1e-7, 1.5e300, rng.random() * 1000, rng.random(), 0.1 + 0.2]);
  return rng.random() < 0.5;
}

function annotate(e, small) {
  let n = small ? rng.randrange(1, 4) : rng.choice([1, 2, 3, 4, 6, 8, 12]);
  if (!small && rng.random() < 0.005) n = 55; // more than X-Ray indexes
  for (let i = 0; i < n; i++) {
    let key = rng.random() > 0.002 ? rng.choice(V.ann_keys) : rng.choice(V.odd_ann_keys);
    if (n > 12) key = 'k' + i;
    e.addAnnotation(key, annValue(rng.choice(['str', 'int', 'float', 'bool'])));
  }
}

class Money { // an application object: JSON.stringify keeps its public fields
  #secret = 'not serialised';
  constructor(amount, currency) { this.amount = amount; this.currency = currency; }
}

function smallValue() {
  switch (rng.randrange(12)) {
    case 0: return { id: rng.randrange(1e6), items: Array.from({ length: rng.randrange(5) }, () => rng.randrange(100)) };
    case 1: return ['a', 1, 2.5, true, null, { nested: { deeper: ['x'] } }];
    case 2: return 'Grüße aus Köln — 🍺';
    case 3: return new RealDate(RealDate.UTC(2025, 11, 1, 8, rng.randrange(60), rng.randrange(60)));
    case 4: return rng.random() < 0.5 ? BigInt(rng.randrange(1e6)) * 10n ** 20n : new Map([['a', 1]]);
    case 5: return rng.random() < 0.5 ? new Set(['tags', 'sale']) : ['tuple', rng.randrange(9)];
    case 6: return Buffer.from('\x00\x01bytes', 'latin1');
    case 7: return new Money(rng.randrange(1e4) / 100, 'EUR');
    case 8: return null;
    case 9: return rng.random() * 10 ** rng.randrange(-5, 25);
    case 10: return { deep: [[[[[[{ level: 7 }]]]]]] };
    default: return 'line1\nline2\t"quoted" \\ back';
  }
}

function metadata(e) {
  const n = rng.randrange(1, 5);
  for (let i = 0; i < n; i++) e.addMetadata(rng.choice(V.metadata_keys), smallValue(), namespace());
}

function record(i) {
  return { id: rng.hex(16), seq: i, sku: 'SKU-' + String(rng.randrange(1e6)).padStart(6, '0'),
    qty: rng.randrange(1, 20), price: Math.round(rng.random() * 20000) / 100, title: rng.choice(V.record_titles),
    flags: [rng.random() < 0.5, rng.random() < 0.5, rng.random() < 0.5], note: rng.random() < 0.5 ? null : 'ok' };
}

function bigTarget() {
  const [lo, hi] = rng.choices([[7500, 16000], [16000, 32000], [32000, 54000]], [50, 25, 25]);
  return rng.randrange(lo, hi);
}

function bigMetadata(e, target) {
  if (target === undefined) target = bigTarget();
  const rows = [];
  let size = 0;
  while (size < target) {
    const r = record(rows.length);
    rows.push(r);
    size += Buffer.byteLength(JSON.stringify(r)) + 1;
  }
  e.addMetadata('rows', rows, rng.choice(['debug', 'default', 'export']));
}

// --- application code that fails for real ----------------------------------------------------------------
class PaymentDeclined extends Error { constructor(m) { super(m); this.name = 'PaymentDeclined'; } }
class InventoryError extends RangeError { constructor(m) { super(m); this.name = 'InventoryError'; } }

function deepFail(depth, kind) {
  if (depth > 0) { const r = deepFail(depth - 1, kind); return r; }
  switch (kind) {
    case 0: { const o = null; return o.total; } // TypeError
    case 1: return new Array(-1); // RangeError
    case 2: return JSON.parse("{'not': json}"); // SyntaxError
    case 3: throw new PaymentDeclined(errorMessage());
    case 4: return decodeURIComponent('%E0%A4%A'); // URIError
    case 5: throw new InventoryError('stock for sku ' + rng.randrange(1e6) + ' below zero: ' + -rng.randrange(1, 50));
    default: { const items = []; return items[rng.randrange(3)].price; } // TypeError
  }
}

async function raiseDeep(depth) {
  const kind = rng.randrange(7);
  if (rng.random() < 0.3) { // thrown inside a promise executor: frames like "new Promise (<anonymous>)"
    await new Promise((resolve, reject) => { try { resolve(deepFail(depth, kind)); } catch (e) { reject(e); } });
    return;
  }
  await null;
  deepFail(depth, kind);
}

// --- trace parts ----------------------------------------------------------------------------------------------
const httpAgent = new http.Agent({ keepAlive: true });
const tracedHttp = AWSXRay.captureHTTPs(http, false);
const tracedHttpDownstream = AWSXRay.captureHTTPs(http, true);

function httpCall(parent) {
  const method = rng.choice(['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE']);
  const status = rng.choices([200, 201, 204, 301, 400, 404, 409, 429, 500, 503], [60, 6, 4, 2, 4, 8, 2, 3, 6, 5]);
  const size = rng.choice([0, 16, 120, 900, 4000]);
  const p = rng.choice(['/api/users/' + rng.randrange(1e5), '/api/orders', '/api/search?q=' + rng.choice(['shoes', 'caf%C3%A9']),
    '/api/v2/items/' + rng.randrange(999) + '/price', '/api/%E6%B3%A8%E6%96%87/status']);
  const sep = p.includes('?') ? '&' : '?';
  const refused = rng.random() < 0.04; // connection refused: a real remote error
  const mod = rng.random() < 0.3 ? tracedHttpDownstream : tracedHttp;
  const body = method === 'POST' || method === 'PUT' ? '{"x":1}' : null;
  return new Promise((resolve) => {
    const headers = { 'User-Agent': 'orders-client/1.4', 'Content-Type': 'application/json' };
    if (body) headers['Content-Length'] = String(body.length);
    const req = mod.request({ host: EP_HOST, port: refused ? DEAD_PORT : EP_PORT, method, headers,
      path: p + sep + 'status=' + status + '&size=' + size, agent: refused ? undefined : httpAgent, XRaySegment: parent },
    (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', () => resolve());
    CLOCK.work(1, 80);
    req.end(body || undefined);
  });
}

const DBS = [
  { database: 'orders', host: '127.0.0.1', port: 5432, user: 'app', dbVer: 'PostgreSQL 16.4', driverVer: 'node-postgres 8.13.1' },
  { database: 'inventory', host: 'db.internal', port: 3306, user: 'shop', dbVer: '8.0.39', driverVer: 'mysql2 3.11.0' },
  { database: 'sessions', host: '127.0.0.1', port: 5432, user: 'sessions_rw', dbVer: 'PostgreSQL 16.4', driverVer: 'node-postgres 8.13.1' },
];
const TABLE_ROWS = Array.from({ length: 50 }, (_, i) => ({ id: i, customer: 'c' + i, total: i * 1.25, status: 'open' }));

function sqlCall(parent) {
  const db = rng.choice(DBS);
  const queries = ['select id, customer, total from orders where status = $1',
    'update orders set status = $1 where id = ' + rng.randrange(50), 'select count(*) from orders where total > $1'];
  let q = rng.choice(queries);
  const withValues = rng.random() < 0.7;
  const sub = parent.addNewSubsegment(db.database + '@' + db.host);
  sub.namespace = 'remote';
  const sql = new AWSXRay.database.SqlData(SQL_VERSIONS ? db.dbVer : undefined, SQL_VERSIONS ? db.driverVer : undefined,
    db.user, db.host + ':' + db.port + '/' + db.database, withValues ? 'statement' : 'query');
  if (COLLECT_SQL_QUERIES) sql.sanitized_query = q;
  sub.addSqlData(sql);
  let err;
  if (rng.random() < 0.08) q = 'select * from ordres where id = $1';
  try {
    if (q.includes('ordres')) {
      const e = new Error('relation "ordres" does not exist');
      e.code = '42P01';
      throw e;
    }
    TABLE_ROWS.filter((r) => r.status === 'open').length; // the "query"
  } catch (e) {
    err = e;
  }
  CLOCK.work(0.2, 30);
  sub.close(err);
}

const awsClients = {};
function awsClient(kind, region) {
  const key = kind + '/' + region;
  if (!awsClients[key]) {
    const C = kind === 'dynamodb' ? DynamoDBClient : SQSClient;
    const c = new C({
      region, endpoint: 'http://' + ARGS.endpoint,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      // back-off passes on the seeded clock instead of the wall clock
      retryStrategy: new ConfiguredRetryStrategy(2, (attempt) => { CLOCK.work(50 * attempt, 100 * attempt); return 0; }),
    });
    c.middlewareStack.add((next) => async (args) => { CLOCK.work(2, 40); return next(args); },
      { step: 'finalizeRequest', name: 'seededLatency' });
    awsClients[key] = c;
  }
  return awsClients[key];
}

const TABLES = V.tables.map((t) => t[0]);
const TABLE_W = V.tables.map((t) => t[1]);
const QUEUES = V.queues.map((t) => t[0]);
const QUEUE_W = V.queues.map((t) => t[1]);

async function awsCall(parent) {
  const region = rng.choice(V.regions);
  try {
    if (rng.random() < 0.65) {
      const ddb = AWSXRay.captureAWSv3Client(awsClient('dynamodb', region), parent);
      const table = rng.choices(TABLES, TABLE_W);
      const op = rng.choice(['get_item', 'put_item', 'query', 'update_item']);
      const key = { pk: { S: 'order#' + rng.randrange(1e6) }, sk: { S: 'v0' } };
      if (op === 'get_item') {
        await ddb.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: rng.random() < 0.3 }));
      } else if (op === 'put_item') {
        await ddb.send(new PutItemCommand({ TableName: table, Item: { ...key, total: { N: (rng.random() * 300).toFixed(2) } } }));
      } else if (op === 'query') {
        await ddb.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :p', ScanIndexForward: rng.random() < 0.5,
          ExpressionAttributeValues: { ':p': key.pk }, Limit: rng.randrange(1, 50) }));
      } else {
        await ddb.send(new UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: 'SET #s = :s',
          ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': { S: 'paid' } } }));
      }
    } else {
      const sqs = AWSXRay.captureAWSv3Client(awsClient('sqs', region), parent);
      const q = 'http://' + ARGS.endpoint + '/123456789012/' + rng.choices(QUEUES, QUEUE_W);
      if (rng.random() < 0.6) {
        await sqs.send(new SendMessageCommand({ QueueUrl: q, MessageBody: JSON.stringify({ order: rng.randrange(1e6) }) }));
      } else {
        await sqs.send(new ReceiveMessageCommand({ QueueUrl: q, MaxNumberOfMessages: rng.randrange(1, 10), WaitTimeSeconds: 0 }));
      }
    }
  } catch (e) {
    // recorded on the subsegment by the SDK
  }
}

async function localWork(parent, depth, budget) {
  const sub = parent.addNewSubsegment(subName());
  if (rng.random() < 0.2) sub.namespace = rng.choice(['local', 'remote']);
  const fail = rng.random() < 0.12;
  if (rng.random() < 0.03) sub.flush(); // an in-progress subsegment, sent on its own
  if (rng.random() < 0.5) annotate(sub, true);
  if (rng.random() < 0.3) metadata(sub);
  CLOCK.work(0.1, 15);
  try {
    await children(sub, depth + 1, budget);
    if (fail) await raiseDeep(rng.randrange(0, 29));
    sub.close();
  } catch (e) {
    sub.close(e);
    if (rng.random() < 0.3) throw e; // propagate: the parent records the same error by id
  }
}

async function children(parent, depth, budget) {
  if (depth > 4 || budget.n <= 0) return;
  const n = depth > 1 ? rng.choices([0, 1, 2, 3, 4], [35, 30, 20, 10, 5]) : rng.randrange(0, 5);
  for (let i = 0; i < n; i++) {
    if (budget.n <= 0) return;
    budget.n--;
    const kind = rng.choices(['local', 'sql', 'http', 'aws'], [35, 25, 20, 20]);
    if (kind === 'local' || depth === 4) {
      if (depth < 4) {
        await localWork(parent, depth, budget);
      } else {
        const leaf = parent.addNewSubsegment(subName());
        CLOCK.work(0.1, 5);
        leaf.close();
      }
    } else if (kind === 'sql') {
      sqlCall(parent);
    } else if (kind === 'http') {
      await httpCall(parent);
    } else {
      await awsCall(parent);
    }
  }
}

async function traceBody(seg) {
  if (rng.random() < 0.05) seg.flush(); // an in-progress segment, as long-running work sends first
  if (rng.random() < 0.6) seg.setUser(user());
  if (rng.random() < 0.75) annotate(seg, false);
  if (rng.random() < 0.7) metadata(seg);
  const big = rng.random() < 0.10;
  const budget = { n: big ? rng.randrange(0, 4) : rng.randrange(0, 16) };
  try {
    await children(seg, 1, budget);
    if (rng.random() < 0.08) await raiseDeep(rng.randrange(0, 29));
  } catch (e) {
    seg.addError(e);
  }
  if (big) bigMetadata(seg);
}

// Web segments: a real HTTP server on loopback, traced by the SDK's middleware helper, as
// aws-xray-sdk-express does it. Each request carries the job that the handler runs.
const JOBS = new Map();
let jobSeq = 0;
const server = http.createServer((req, res) => {
  const job = JOBS.get(req.headers['x-job']);
  AWSXRay.middleware.setDefaultName(job.name);
  const seg = AWSXRay.middleware.traceRequestResponseCycle(req, res);
  const finished = new Promise((resolve) => res.on('finish', resolve));
  req.resume();
  req.on('end', async () => {
    try {
      await job.run(seg);
    } catch (e) {
      seg.addError(e);
    }
    CLOCK.work(0.5, 120);
    const body = Buffer.from(job.status === 204 ? '' : '{"ok":' + (job.status < 400) + '}');
    res.statusCode = job.status;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Content-Length', String(body.length));
    res.end(body);
    await finished;
    job.done();
  });
});

function webRequest(job) {
  return new Promise((resolve, reject) => {
    const id = String(++jobSeq);
    let pending = 2;
    const one = () => { if (--pending === 0) { JOBS.delete(id); resolve(); } };
    job.done = one;
    JOBS.set(id, job);
    const headers = { Host: job.host, 'User-Agent': job.userAgent, 'X-Job': id, 'X-Amzn-Trace-Id': job.traceHeader };
    if (job.xff) headers['X-Forwarded-For'] = '203.0.113.' + rng.randrange(256) + ', 10.0.0.1';
    const req = http.request({ host: '127.0.0.1', port: server.address().port, method: job.method, path: job.path,
      headers, agent: httpAgent }, (res) => { res.resume(); res.on('end', one); });
    req.on('error', reject);
    req.end();
  });
}

async function oneTrace() {
  const name = segName();
  const upstream = rng.random() < 0.3;
  let traceId;
  let parentId;
  if (upstream) {
    traceId = '1-' + (Math.floor(CLOCK.seconds()) - rng.randrange(0, 3)).toString(16).padStart(8, '0') + '-' + rng.hex(24);
    parentId = rng.hex(16);
  }
  AWSXRay.setStreamingThreshold(rng.random() < 0.35 ? rng.choice([0, 1, 2, 3, 5]) : 100);
  const web = rng.random() < 0.8;
  if (!web) {
    const seg = new AWSXRay.Segment(name, traceId, parentId);
    try {
      await traceBody(seg);
    } finally {
      CLOCK.work(0.5, 120);
      seg.close();
    }
    return;
  }
  const [host, p] = webTarget();
  const status = rng.choices([200, 201, 204, 302, 400, 401, 404, 429, 500, 502, 503], [70, 5, 3, 2, 4, 2, 5, 2, 4, 1, 2]);
  await webRequest({
    name, host, path: p, status, method: rng.choice(['GET', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH']),
    userAgent: userAgent(), xff: rng.random() < 0.3,
    traceHeader: upstream ? 'Root=' + traceId + ';Parent=' + parentId + ';Sampled=1' : 'Sampled=1',
    run: traceBody,
  });
}

// --- SDK edge probes (see probes_py.py for the scheme) --------------------------------------------------------
function simpleTrace(name, fill) {
  const seg = new AWSXRay.Segment(name);
  seg.addAnnotation('probe', 'name');
  if (fill) fill(seg);
  const sub = seg.addNewSubsegment(subName());
  CLOCK.work(0.1, 2);
  sub.close();
  seg.close();
}

function subTrace(segNameValue, subNameValue) {
  const seg = new AWSXRay.Segment(segNameValue);
  const mid = seg.addNewSubsegment(subName());
  const leaf = mid.addNewSubsegment(subNameValue);
  CLOCK.work(0.1, 2);
  leaf.close();
  mid.close();
  seg.close();
}

const ALWAYS = [
  function oddMetadata() { // what JSON.stringify and the SDK make of application values
    simpleTrace('payments', (seg) => {
      let deep = 'bottom';
      for (let i = 0; i < 100; i++) deep = [deep];
      seg.addMetadata('deep', deep, 'debug');
      seg.addMetadata('types', { nan: NaN, inf: -Infinity, undef: undefined, fn() {}, sym: Symbol('s'),
        big: 12345678901234567890123n, date: new RealDate(0), invalidDate: new RealDate(NaN), map: new Map([[1, 2]]),
        set: new Set([1]), buf: Buffer.from([255, 0]), typed: new Uint8Array([1, 2]), neg0: -0, tiny: 5e-324,
        huge: 1.7976931348623157e308, money: new Money(12.5, 'EUR'), err: new Error('in metadata') }, 'app');
      seg.addMetadata('undefined_value', undefined);
      seg.addMetadata('null_value', null, 'worker');
      seg.addMetadata('proto', { a: 1 }, '__proto__');
    });
  },
  function errorShapes() { // addError with what applications throw
    const seg = new AWSXRay.Segment('inventory-worker');
    const a = seg.addNewSubsegment('reserve stock');
    a.close('plain string failure');
    const b = seg.addNewSubsegment('legacy client');
    b.addError({ code: 'E_LEGACY', status: 503 });
    b.close();
    const c = seg.addNewSubsegment('aggregate');
    c.close(new AggregateError([new Error('one'), new TypeError('two')], 'several failed'));
    const d = seg.addNewSubsegment('no stack');
    const e = new Error('stack removed');
    e.stack = undefined;
    d.close(e);
    seg.addError(new Error('segment level'), true);
    seg.close();
  },
  async function promiseFrames() { // async frames, "new Promise (<anonymous>)", node:internal frames
    const seg = new AWSXRay.Segment('checkout-api');
    const sub = seg.addNewSubsegment('settle');
    try {
      await Promise.all([0, 1].map(async (i) => { await null; if (i) deepFail(3, 0); }));
    } catch (e) {
      sub.close(e);
    }
    try {
      await new Promise((resolve, reject) => setImmediate(() => { try { JSON.parse('{'); } catch (e) { reject(e); } }));
    } catch (e) {
      seg.addError(e);
    }
    seg.close();
  },
  function unicodeEverywhere() {
    const seg = new AWSXRay.Segment('注文サービス');
    seg.setUser('Jürgen Groß');
    seg.addAnnotation('region', '東京');
    seg.addMetadata('text', 'Grüße — 🍺 \u2028 \u0000 end', 'órdenes');
    const sub = seg.addNewSubsegment('ＡＰＩ-ゲートウェイ');
    sub.close();
    seg.close();
  },
  function reflushed() { // an in-progress subsegment sent twice, then the finished segment
    const seg = new AWSXRay.Segment('report 2024');
    const sub = seg.addNewSubsegment('long export');
    sub.flush();
    CLOCK.work(100, 200);
    sub.flush();
    sub.close();
    seg.close();
  },
];

const ROTATING = [
  () => simpleTrace(V.invalid_names.parentheses), // the Node SDK strips nothing from names
  () => subTrace('checkout-api', V.invalid_names.question_mark),
  () => simpleTrace(V.invalid_names.backslash),
  () => simpleTrace(V.invalid_names.comma),
  () => simpleTrace(V.invalid_names.empty), // Segment('') is accepted by the SDK
  () => simpleTrace(V.invalid_names.too_long),
  () => subTrace('shop-frontend', V.invalid_names.emoji),
  () => simpleTrace(V.invalid_names.tab),
  () => subTrace('report 2024', V.invalid_names.combining_mark),
  () => simpleTrace('auth#primary', (seg) => seg.setUser(12345)), // logged, and set anyway
  () => simpleTrace('orders.svc', (seg) => { seg.addAnnotation('http.status', 200); seg.addAnnotation('user-id', 'u-1'); }),
  () => simpleTrace('orders.svc', (seg) => seg.addMetadata('k', 'v', V.reserved_namespace)),
  () => { // an upstream header in upper case: only the time part is normalised
    const seg = new AWSXRay.Segment('api.example.com', '1-' + Math.floor(CLOCK.seconds()).toString(16).toUpperCase() + '-' +
      rng.hex(24).toUpperCase(), rng.hex(16).toUpperCase());
    seg.close();
  },
  () => simpleTrace(V.invalid_names.white_space),
  // a string cut inside a surrogate pair: JSON.stringify writes the lone half as \ud83c
  () => simpleTrace('search:v2', (seg) => seg.addMetadata('preview', '🍕 pizza'.slice(0, 1), 'default')),
  () => simpleTrace('auth#primary', (seg) => seg.setUser('u'.repeat(300))),
];

async function probes() {
  AWSXRay.setStreamingThreshold(100);
  for (const p of ALWAYS) await p();
  for (let i = 0; i < ROTATING.length; i++) if (i % 3 === ARGS.seed % 3) await ROTATING[i]();
  if (ARGS.oversize) { // above the UDP limit: the send fails (EMSGSIZE) and nothing arrives
    const seg = new AWSXRay.Segment('export-job');
    bigMetadata(seg, 70000);
    seg.close();
  }
}

const flushed = () => new Promise((resolve) => {
  const check = () => (STATS.pending === 0 ? resolve() : setTimeout(check, 5));
  check();
});

async function main() {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  for (let i = 0; i < ARGS.traces; i++) {
    await oneTrace();
    if (STATS.pending > 64) await flushed();
  }
  if (ARGS.probes) await probes();
  await flushed();
  server.close();
  httpAgent.destroy();
  udp.close();
  process.stdout.write(JSON.stringify({ sdk: 'node', ...VERSIONS, node: process.version, seed: ARGS.seed,
    traces: ARGS.traces, sent: STATS.sent, failed: STATS.failed, bytes: STATS.bytes, errors: STATS.errors }) + '\n');
}

main().catch((e) => { process.stderr.write(String(e && e.stack) + '\n'); process.exit(1); });
