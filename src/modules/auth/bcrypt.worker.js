'use strict';
// Runs in a worker thread of the bcrypt pool (bcrypt-pool.ts). bcryptjs is pure JavaScript: on the main thread
// each hash or compare (~80 ms at cost 10) would stall every other request. Plain JavaScript so that the same file
// loads from the sources (tests) and from the build.
const bcrypt = require('bcryptjs');

/** @param {{ op: 'hash' | 'compare', data: string, hash?: string, cost?: number }} task */
module.exports = (task) => (task.op === 'hash' ? bcrypt.hash(task.data, task.cost) : bcrypt.compare(task.data, task.hash));
