'use strict';
// Built by cmake-js; libhello comes from the artifact ocipkg installed (hello::hello in CMake).
module.exports = require('./build/Release/hello_addon.node');
