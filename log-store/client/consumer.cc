#include "log-store/client/consumer.h"
