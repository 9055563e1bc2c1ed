'use strict';
// The addon links libhello from the artifact ocipkg installed; the .so is found through the
// rpath ocipkg-link put in the addon (next to it, then the cache).
module.exports = require('./build/Release/hello_addon.node');
