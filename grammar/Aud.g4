// The aud language (normative grammar; docs/reference/language.md §11 is informative).
// Semantics live in the checker: this grammar only fixes the shape.
grammar Aud;

module      : decl* EOF ;

decl
  : importDecl | eventDecl | traitDecl | identityDecl | labelDecl | actionDecl
  | policyDecl | consentDecl | segmentDecl | audienceDecl | destinationDecl
  | publishDecl | testDecl
  ;

importDecl      : IMPORT STRING ;
eventDecl       : EVENT ident source=(STRING | PAGE | SCREEN) labels? LBRACE propDecl* RBRACE ;
// A dotted name is a path into the message's `context` object (`context.campaign.source`).
propDecl        : memberName (DOT memberName)* COLON ident labels? ;
traitDecl       : TRAIT ident COLON ident labels? ;
identityDecl    : IDENTITY ident COLON kind=(DECLARED | VISITOR) FROM identitySource
                  (NORMALIZE ident)? labels? ;
identitySource  : TRAIT ident | ident ;
labels          : LBRACK ident (COMMA ident)* RBRACK ;
labelDecl       : LABEL ident STRING? ;
actionDecl      : ACTION ident STRING? ;
policyDecl      : POLICY ident STRING? LBRACE policyRule+ RBRACE ;
policyRule      : DENY identList WHEN expr ;
consentDecl     : CONSENT ident ASSIGN expr ;
segmentDecl     : SEGMENT ident STRING? ASSIGN expr ;
audienceDecl    : AUDIENCE ident STRING? LBRACE audienceItem* RBRACE ;
audienceItem
  : MEMBERS expr                                  # membersItem
  | IDENTITIES identList                          # identitiesItem
  | ATTRIBUTES LBRACE attribute* RBRACE           # attributesItem
  | REFRESH (EVERY DURATION | ONCE | ident)       # refreshItem
  | IMPORT STRING KEY ident                       # importItem
  | expectClause                                  # audienceExpectItem
  ;
attribute       : ident ASSIGN expr ;
destinationDecl : DESTINATION ident STRING? LBRACE destItem* RBRACE ;
destItem
  : CONNECTION ident                              # connectionItem
  | ACTIONS identList                             # actionsItem
  | CONSENT identList                             # consentItem
  | KEY ident HASHED?                             # keyItem
  | MAP mapping (COMMA mapping)*                  # mapItem
  | MAX_PROFILES INT                              # maxProfilesItem
  | MAX_EXIT_FRACTION (FLOAT | INT)               # maxExitFractionItem
  | expectClause                                  # destExpectItem
  ;
mapping         : ident ARROW STRING HASHED? ;
publishDecl     : PUBLISH identList TO identList ;
// An assertion on real data, checked when a plan is made (`aud plan`/`apply`).
expectClause
  : EXPECT SIZE BETWEEN INT AND INT               # sizeBetweenExpect
  | EXPECT SIZE op=(LE | GE) INT                  # sizeBoundExpect
  | EXPECT SIZE_CHANGE LE (FLOAT | INT)           # sizeChangeExpect
  | EXPECT UNIQUE KEY                             # uniqueKeyExpect
  | EXPECT ident NOT MISSING                      # notMissingExpect
  ;

// A unit test: fixtures (inline or a JSON-lines file), an instant, expectations.
testDecl        : TEST ident STRING? LBRACE testItem* RBRACE ;
testItem
  : AS_OF TIME                                                      # asOfItem
  | GIVEN STRING                                                    # givenFileItem
  | GIVEN LBRACE fixture* RBRACE                                    # givenItem
  | EXPECT ident op=(CONTAINS | EXCLUDES) profileList               # membershipExpect
  | EXPECT ident EQ LBRACK profileList? RBRACK                      # membersExpect
  | EXPECT ident DOT memberName OF STRING (EQ expr | MISSING)       # attributeExpect
  | EXPECT ident IDENTITIES ident OF STRING EQ LBRACK profileList? RBRACK # identitiesExpect
  | EXPECT ident TO ident SENDS STRING (KEY STRING)? sentFields?     # sendsExpect
  | EXPECT ident TO ident SKIPS STRING ident                          # skipsExpect
  ;
// Destination fields of a row: `{ "Field" = literal, ... }`.
sentFields      : LBRACE (sentField (COMMA sentField)*)? RBRACE ;
sentField       : STRING ASSIGN expr ;
profileList     : STRING (COMMA STRING)* ;
fixture
  : EVENT ident fixtureWho TIME fixtureValues?                      # eventFixture
  | IDENTIFY fixtureWho TIME fixtureValues?                         # identifyFixture
  | ALIAS STRING TO STRING TIME                                     # aliasFixture
  ;
// A userId, an anonymousId (`anonymous "a1"`), or both.
fixtureWho      : STRING (ANONYMOUS STRING)? | ANONYMOUS STRING ;
fixtureValues   : LBRACE (fixtureValue (COMMA fixtureValue)*)? RBRACE ;
fixtureValue    : memberName (DOT memberName)* ASSIGN expr ;
identList       : ident (COMMA ident)* ;

// Precedence: earlier alternatives bind tighter.
expr
  : primary                                                   # primaryExpr
  | MINUS expr                                                # negExpr
  | expr op=(STAR | SLASH) expr                               # binaryExpr
  | expr op=(PLUS | MINUS) expr                               # binaryExpr
  | expr op=(EQ | NE | LT | LE | GT | GE | IN) expr           # binaryExpr
  | NOT expr                                                  # notExpr
  | expr op=AND expr                                          # binaryExpr
  | expr op=OR expr                                           # binaryExpr
  ;

primary
  : INT                                                       # intLit
  | FLOAT                                                     # floatLit
  | STRING                                                    # stringLit
  | DURATION                                                  # durationLit
  | TIME                                                      # timeLit
  | (TRUE | FALSE)                                            # boolLit
  | LBRACK (expr (COMMA expr)*)? RBRACK                       # listLit
  | callee LPAREN (callArg (COMMA callArg)*)? RPAREN          # callExpr
  | ident DOT memberName                                      # memberExpr
  | ident                                                     # nameExpr
  | LPAREN expr RPAREN                                        # parenExpr
  ;

// An argument of a call; `where` and windows are only meaningful for
// aggregates and sequence steps, which the checker enforces.
callArg         : expr (WHERE expr)? window? ;
window          : WITHIN DURATION | BETWEEN TIME AND TIME ;

ident           : ID | QUOTED_ID | softKeyword ;
// Words of `test` and `expect` that stay usable as names everywhere else.
softKeyword
  : TEST | EXPECT | AS_OF | GIVEN | IDENTIFY | ALIAS | ANONYMOUS | CONTAINS | EXCLUDES | OF
  | MISSING | SIZE | SIZE_CHANGE | UNIQUE | SENDS | SKIPS
  ;
// `exists` and `sequence` are reserved words that name built-in functions.
callee          : ident | EXISTS | SEQUENCE ;
// After `.` and in property declarations a keyword is unambiguous.
memberName      : ident | keyword ;
keyword
  : IMPORT | EVENT | PAGE | SCREEN | TRAIT | IDENTITY | DECLARED | VISITOR | FROM
  | NORMALIZE | LABEL | ACTION | POLICY | DENY | WHEN | CONSENT | SEGMENT | AUDIENCE
  | MEMBERS | IDENTITIES | ATTRIBUTES | REFRESH | EVERY | ONCE | DESTINATION
  | CONNECTION | ACTIONS | KEY | MAP | HASHED | MAX_PROFILES | MAX_EXIT_FRACTION | PUBLISH | TO | WHERE
  | WITHIN | BETWEEN | AND | OR | NOT | IN | TRUE | FALSE | EXISTS | SEQUENCE
  ;

IMPORT: 'import'; EVENT: 'event'; PAGE: 'page'; SCREEN: 'screen'; TRAIT: 'trait';
IDENTITY: 'identity'; DECLARED: 'declared'; VISITOR: 'visitor'; FROM: 'from';
NORMALIZE: 'normalize'; LABEL: 'label'; ACTION: 'action'; POLICY: 'policy';
DENY: 'deny'; WHEN: 'when'; CONSENT: 'consent'; SEGMENT: 'segment';
AUDIENCE: 'audience'; MEMBERS: 'members'; IDENTITIES: 'identities';
ATTRIBUTES: 'attributes'; REFRESH: 'refresh'; EVERY: 'every'; ONCE: 'once';
DESTINATION: 'destination'; CONNECTION: 'connection'; ACTIONS: 'actions';
KEY: 'key'; MAP: 'map'; HASHED: 'hashed'; MAX_PROFILES: 'max_profiles';
MAX_EXIT_FRACTION: 'max_exit_fraction';
PUBLISH: 'publish'; TO: 'to'; WHERE: 'where'; WITHIN: 'within';
BETWEEN: 'between'; AND: 'and'; OR: 'or'; NOT: 'not'; IN: 'in'; TRUE: 'true';
FALSE: 'false'; EXISTS: 'exists'; SEQUENCE: 'sequence';
// Soft keywords (after SEQUENCE: the parser treats IMPORT..SEQUENCE as reserved).
TEST: 'test'; EXPECT: 'expect'; AS_OF: 'as_of'; GIVEN: 'given'; IDENTIFY: 'identify';
ALIAS: 'alias'; ANONYMOUS: 'anonymous'; CONTAINS: 'contains'; EXCLUDES: 'excludes';
OF: 'of'; MISSING: 'missing'; SIZE: 'size'; SIZE_CHANGE: 'size_change'; UNIQUE: 'unique';
SENDS: 'sends'; SKIPS: 'skips';

ARROW: '->'; EQ: '=='; NE: '!='; LE: '<='; GE: '>='; LT: '<'; GT: '>';
ASSIGN: '='; PLUS: '+'; MINUS: '-'; STAR: '*'; SLASH: '/';
LPAREN: '('; RPAREN: ')'; LBRACE: '{'; RBRACE: '}'; LBRACK: '['; RBRACK: ']';
COMMA: ','; COLON: ':'; DOT: '.';

TIME      : '@' DIGIT DIGIT DIGIT DIGIT '-' DIGIT DIGIT '-' DIGIT DIGIT
            ( 'T' DIGIT DIGIT ':' DIGIT DIGIT ':' DIGIT DIGIT ('.' DIGIT+)?
              ( 'Z' | [+-] DIGIT DIGIT ':' DIGIT DIGIT ) )? ;
DURATION  : DIGIT+ [smhdw] ;
FLOAT     : DIGIT+ '.' DIGIT+ ;
INT       : DIGIT+ ;
// Escapes are validated (and decoded) by the AST builder with precise locations.
STRING    : '"' ( '\\' ~[\r\n] | ~["\\\r\n] )* '"' ;
ID        : [A-Za-z_] [A-Za-z0-9_]* ;
QUOTED_ID : '`' ~[`\r\n]+ '`' ;

COMMENT   : '#' ~[\r\n]* -> channel(HIDDEN) ;
WS        : [ \t\r\n]+ -> skip ;

// Error tokens: the lexer never fails; the parser layer reports these.
UNTERMINATED_STRING : '"' ( '\\' ~[\r\n] | ~["\\\r\n] )* ;
UNTERMINATED_QUOTED : '`' ~[`\r\n]* ;
// Stops where a time may legally end (`}` and `#` included), so `x < @2026-01-01}`
// still lexes as TIME RBRACE.
BAD_TIME            : '@' ~[ \t\r\n,)\]}#]* ;
BAD_CHAR            : . ;

fragment DIGIT : [0-9] ;
