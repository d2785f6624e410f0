--
-- PostgreSQL database dump
--

\restrict ySed9PfUjHlY0s3DzFLTg62o26nNkqSDNzYAWC1MRAYntTAmZgMH8uVRYQNMPU4

-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

--
-- Name: event; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.event (
    id bigint NOT NULL,
    kind integer NOT NULL
)
PARTITION BY LIST (kind);


ALTER TABLE public.event OWNER TO postgres;

SET default_table_access_method = heap;

--
-- Name: event_1; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.event_1 (
    id bigint NOT NULL,
    kind integer NOT NULL
);


ALTER TABLE public.event_1 OWNER TO postgres;

--
-- Name: audit; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.audit (
    id bigint NOT NULL,
    last_event public.event_1,
    at timestamp with time zone NOT NULL
);


ALTER TABLE public.audit OWNER TO postgres;

--
-- Name: customer; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.customer (
    customer_id integer NOT NULL,
    store_id integer NOT NULL,
    email text,
    active boolean DEFAULT true NOT NULL
);


ALTER TABLE public.customer OWNER TO postgres;

--
-- Name: film; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.film (
    film_id integer NOT NULL,
    title text NOT NULL,
    length smallint,
    shown_during tstzrange,
    seats int4multirange,
    location point,
    route path,
    area polygon,
    reach circle,
    edge lseg,
    frame box,
    axis line,
    flags bit(3),
    mask bit varying(8),
    mac macaddr,
    mac8 macaddr8,
    price money,
    notes xml,
    wal pg_lsn,
    snap pg_snapshot,
    query tsquery,
    path_expr jsonpath
);


ALTER TABLE public.film OWNER TO postgres;

--
-- Name: person; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.person (
    person_id integer NOT NULL,
    first_name text NOT NULL,
    last_name text NOT NULL,
    nick text,
    settings jsonb DEFAULT '{}'::jsonb NOT NULL,
    full_name text GENERATED ALWAYS AS (((first_name || ' '::text) || last_name)) STORED,
    nick_name text GENERATED ALWAYS AS ((nick || '!'::text)) STORED
);


--
-- Name: product; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.product (
    product_id integer NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    tags text[] DEFAULT '{}'::text[] NOT NULL,
    settings jsonb DEFAULT '{}'::jsonb NOT NULL,
    note text,
    CONSTRAINT product_tags_check CHECK (((cardinality(tags) <= 10) AND (array_position(tags, NULL::text) IS NULL)))
);


ALTER TABLE public.product OWNER TO postgres;

--
-- Name: rental; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.rental (
    rental_id integer NOT NULL,
    customer_id integer NOT NULL,
    staff_id integer NOT NULL,
    return_date timestamp with time zone
);


ALTER TABLE public.rental OWNER TO postgres;

--
-- Name: staff; Type: TABLE; Schema: public; Owner: sample_owner
--

CREATE TABLE public.staff (
    staff_id integer NOT NULL,
    first_name text NOT NULL,
    email text
);


ALTER TABLE public.staff OWNER TO sample_owner;

--
-- Name: event_1; Type: TABLE ATTACH; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.event ATTACH PARTITION public.event_1 FOR VALUES IN (1);


--
-- Data for Name: audit; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.audit (id, last_event, at) FROM stdin;
\.


--
-- Data for Name: customer; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.customer (customer_id, store_id, email, active) FROM stdin;
1	1	mary@example.com	t
\.


--
-- Data for Name: event_1; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.event_1 (id, kind) FROM stdin;
\.


--
-- Data for Name: film; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.film (film_id, title, length, shown_during, seats, location, route, area, reach, edge, frame, axis, flags, mask, mac, mac8, price, notes, wal, snap, query, path_expr) FROM stdin;
\.


--
-- Data for Name: rental; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.rental (rental_id, customer_id, staff_id, return_date) FROM stdin;
\.


--
-- Data for Name: staff; Type: TABLE DATA; Schema: public; Owner: sample_owner
--

COPY public.staff (staff_id, first_name, email) FROM stdin;
1	Mike	mike@example.com
2	Jon	\N
\.


--
-- Name: audit audit_pkey; Type: CONSTRAINT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.audit
    ADD CONSTRAINT audit_pkey PRIMARY KEY (id);


--
-- Name: customer customer_pkey; Type: CONSTRAINT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.customer
    ADD CONSTRAINT customer_pkey PRIMARY KEY (customer_id);


--
-- Name: film film_pkey; Type: CONSTRAINT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.film
    ADD CONSTRAINT film_pkey PRIMARY KEY (film_id);


--
-- Name: rental rental_pkey; Type: CONSTRAINT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.rental
    ADD CONSTRAINT rental_pkey PRIMARY KEY (rental_id);


--
-- Name: staff staff_pkey; Type: CONSTRAINT; Schema: public; Owner: sample_owner
--

ALTER TABLE ONLY public.staff
    ADD CONSTRAINT staff_pkey PRIMARY KEY (staff_id);


--
-- Name: rental rental_customer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.rental
    ADD CONSTRAINT rental_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customer(customer_id);


--
-- Name: rental rental_staff_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.rental
    ADD CONSTRAINT rental_staff_id_fkey FOREIGN KEY (staff_id) REFERENCES public.staff(staff_id);


--
-- Name: TABLE film; Type: ACL; Schema: public; Owner: postgres
--

GRANT SELECT ON TABLE public.film TO PUBLIC;


--
-- PostgreSQL database dump complete
--

\unrestrict ySed9PfUjHlY0s3DzFLTg62o26nNkqSDNzYAWC1MRAYntTAmZgMH8uVRYQNMPU4

