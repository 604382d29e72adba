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
	char buf[sizeof message];
	va_list ap;
	size_t i;

	/* into a copy first: the arguments may include nn_error() */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	/* one line, whatever a file put into it: control characters (a
	 * newline, a terminal escape) become '?' */
	for (i = 0; buf[i]; i++)
		message[i] = (unsigned char)buf[i] < 0x20 || buf[i] == 0x7f
		             ? '?' : buf[i];
	message[i] = '\0';
	return -1;
}
