/*
** service.h: the election service's commands, called by src/cli/main.c.
** Each takes the command's own arguments (argv[0] is the command name),
** prints its messages, and returns an exit status:
**   0 success; 1 the service failed while running; 2 bad input (the
**   database cannot be opened or migrated, the audit chain is broken);
**   3 usage error.
*/
#ifndef HUS_SERVICE_H
#define HUS_SERVICE_H

/* hustings serve [--db FILE] [--listen ADDR:PORT] [--base-url URL]
**                [--trust-proxy ADDR] [--port-file FILE] */
int web_serve_main(int argc, char **argv);
/* hustings audit-verify [--db FILE] */
int web_audit_verify_main(int argc, char **argv);
/* hustings admin-link [--db FILE] [--base-url URL] */
int web_admin_link_main(int argc, char **argv);
/* hustings demo [--db FILE] */
int web_demo_main(int argc, char **argv);

#endif
