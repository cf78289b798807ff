/* awsxml.h - awsQuery XML replies as JSON
 *
 * STS answers in XML.  The reply becomes the JSON of the same shape as the
 * service's JSON rendering: the root element's name is the one key, element
 * namespaces and attributes are ignored, an element whose children are all
 * <member> becomes an array, an element with element children an object
 * (a repeated name turns that member into an array), any other element a
 * string (empty elements "").  Documents with a DTD or entity references
 * are refused, as are documents over AWSXML_MAX_BYTES or nested deeper
 * than AWSXML_MAX_DEPTH.  Thread-safe.
 */
#ifndef ORGFS_AWSXML_H
#define ORGFS_AWSXML_H

#include <jansson.h>
#include <stddef.h>

#define AWSXML_MAX_BYTES (4u << 20)
#define AWSXML_MAX_DEPTH 32

/* @return 0 with *out a new reference, -EINVAL (not XML, hostile XML),
 *	-EFBIG (too large or too deep), -ENOMEM; err holds a reason */
int awsxml_to_json(const char *xml, size_t len, json_t **out,
		   char *err, size_t errlen);

struct awsxml_error {
	char type[32];          /* "Sender", "Receiver" */
	char code[128];
	char message[512];
	char request_id[128];
};

/* Parse an awsQuery error body (<ErrorResponse><Error><Type/><Code/>
 * <Message/></Error><RequestId/></ErrorResponse>, also the EC2 form
 * <Response><Errors><Error>..</Error></Errors><RequestID/></Response>).
 * Over-long values are cut.  @return 0 when a code was found, else -EINVAL */
int awsxml_parse_error(const char *xml, size_t len, struct awsxml_error *out);

#endif
