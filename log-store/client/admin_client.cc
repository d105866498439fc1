#include "log-store/client/admin_client.h"
