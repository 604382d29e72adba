/* error.c - the one-line error message left by a failing libnn call. */
#include <stdarg.h>
#include <stdio.h>

#include "nn.h"

static __thread char message[512];

const char *nn_error(void)
{
	return message;
}

int nn_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	return -1;
}
