/* agent/rpc-table.h: the shorthands in which verb tables (agent/rpc.c,
 * controller/ctl-rpc.c) write their parameters and fields (struct
 * xrpc_param, rpc.h).  Only for those tables' .c files. */
#ifndef AGENT_RPC_TABLE_H
#define AGENT_RPC_TABLE_H 1

#define ARG(NAME, HELP)                                                       \
    {                                                                         \
        NAME, false, NULL, HELP                                               \
    }
#define REQ(NAME, HELP)                                                       \
    {                                                                         \
        NAME, true, NULL, HELP                                                \
    }
#define FIELD(NAME, ACCESS, HELP)                                             \
    {                                                                         \
        NAME, false, ACCESS, HELP                                             \
    }
#define END                                                                   \
    {                                                                         \
        NULL, false, NULL, NULL                                               \
    }

#endif /* agent/rpc-table.h */
