#include "log-store/client/producer.h"
