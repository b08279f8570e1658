#!/usr/bin/env node
// The CLI lives in the library's dist/cli (src/cli/); this package only brings its dependencies and the bin name,
// so that a library user never installs them (they are optional peers of simdlinear).
import "simdlinear/cli";
