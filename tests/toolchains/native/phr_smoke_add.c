#include "phr_smoke_add.h"

int add(int a, int b) { return a + b; }
