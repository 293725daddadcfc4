DROP TABLE connections;
DROP TABLE actors;
