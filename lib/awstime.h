/* awstime.h - timestamps as AWS sends them */
#ifndef ORGFS_AWSTIME_H
#define ORGFS_AWSTIME_H

#include <jansson.h>
#include <time.h>

/* Parse ISO 8601 (2021-07-01T09:30:00Z, with fractions, with +hh:mm
 * offsets, and the SSO cache's trailing "UTC").
 * @return 0 or -EINVAL */
int awstime_parse_iso8601(const char *s, time_t *out);
/* A JSON timestamp: number of epoch seconds (integer, fraction or
 * exponent form) or an ISO 8601 string.  @return 0 or -EINVAL */
int awstime_from_json(const json_t *v, time_t *out);
/* Write "YYYY-MM-DDTHH:MM:SSZ" into out[21]. */
void awstime_format(time_t t, char out[21]);

#endif
