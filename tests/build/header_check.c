/* Compiles one public header on its own (HEADER_FILE), strictly: it must include what it uses. */
#include HEADER_FILE
#include HEADER_FILE /* and its include guard must work */

#include <stdio.h>

int main(void)
{
	printf("1..1\nok 1 - %s compiles alone as " HEADER_LANG "\n", HEADER_FILE);
	return 0;
}
