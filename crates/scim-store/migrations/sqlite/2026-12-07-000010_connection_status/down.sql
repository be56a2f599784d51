DROP TABLE connection_requests;
DROP TABLE connection_hours;
