// Everything a job author needs, in one include.
#pragma once

#include "eddy/collector.h"
#include "eddy/config.h"
#include "eddy/context.h"
#include "eddy/coordinator.h"
#include "eddy/envelope.h"
#include "eddy/erased_value.h"
#include "eddy/kv_store.h"
#include "eddy/metrics.h"
#include "eddy/registry.h"
#include "eddy/serde.h"
#include "eddy/system_stream.h"
#include "eddy/task.h"
